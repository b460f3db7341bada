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
    /// Add `secret` as it is and in the forms an echo may take: JSON-escaped
    /// and percent-encoded (a receiver quoting the request's URL).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut forms = vec![secret.to_string(), percent_encoded(secret)];
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

    /// `text` with every secret replaced by [`REDACTED`], in one pass over
    /// it: the longest secret at each place, and never a secret within a
    /// replacement already made (a secret `d` must not turn `<redacted>`
    /// into `<re<redacted>acted>`).
    pub fn redact(&self, text: &str) -> String {
        if !self.0.iter().any(|s| text.contains(s.as_str())) {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            match self.0.iter().find(|s| rest.starts_with(s.as_str())) {
                Some(secret) => {
                    out.push_str(REDACTED);
                    rest = &rest[secret.len()..];
                }
                None => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `s` with every byte but RFC 3986's unreserved ones as `%XX`.
fn percent_encoded(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `s` with its `%XX` sequences decoded, when that is UTF-8 and differs.
pub fn percent_decoded(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) if bytes[i] == b'%' => {
                out.push(b);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().filter(|d| d != s)
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

    #[test]
    fn a_replacement_is_never_redacted_again() {
        let mut s = Secrets::default();
        s.add("d");
        s.add("ab");
        assert_eq!(s.redact("abd d"), "<redacted><redacted> <redacted>");
    }

    #[test]
    fn a_percent_encoded_echo_is_replaced() {
        let mut s = Secrets::default();
        s.add("PW\"s/ec");
        assert_eq!(s.redact("bad PW%22s%2Fec"), "bad <redacted>");
        assert_eq!(percent_decoded("a%2Fb%zz%"), Some("a/b%zz%".into()));
        assert_eq!(percent_decoded("plain"), None);
    }
}
