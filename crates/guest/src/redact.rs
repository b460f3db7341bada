//! Configured secrets (a password, a token, header values), kept so that any
//! text the component returns or stores can be cleaned of them. A receiver
//! that echoes request headers in its answer (a 401 quoting
//! `Authorization`, say) must not put a token into an error.

use std::fmt;

/// What replaces a secret in text.
pub const REDACTED: &str = "<redacted>";

/// The secrets of one client, longest first (so a secret containing another
/// is replaced whole).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(Vec<String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

impl Secrets {
    /// Add `secret` as it is and in the forms an echo may take: JSON-escaped,
    /// and for a header value its part after the scheme (`Basic <this>`).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut forms = vec![secret.to_string()];
        if let Ok(json) = serde_json::to_string(secret) {
            forms.push(json[1..json.len() - 1].to_string());
        }
        for form in forms {
            if !self.0.contains(&form) {
                self.0.push(form);
            }
        }
        self.0.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.0 {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_replaced() {
        let mut s = Secrets::default();
        s.add("tok\"en");
        s.add("QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let body =
            r#"{"auth":"Bearer tok\"en","basic":"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="} tok"en"#;
        let clean = s.redact(body);
        assert!(!clean.contains("tok"), "{clean}");
        assert!(!clean.contains("QWxh"), "{clean}");
        assert_eq!(clean.matches(REDACTED).count(), 3);
        assert!(!format!("{s:?}").contains("tok"));
    }
}
