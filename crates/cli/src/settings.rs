//! The push flags, mapped to the component's `options` setters one to one.
//! Each value goes to its setter as given (numbers as the parsed integer):
//! the setter judges it and its error states the real range, so no range
//! or default is restated here.

use crate::args::{Encoding, Push};
use crate::credentials;
use crate::exit::Failure;
use runner_metrics_host::{Auth, Encoding as WitEncoding, Instance, Options};

/// The settings the flags and the environment give, read and split before
/// the component is loaded, so that a malformed one costs no load.
pub struct Settings<'a> {
    push: &'a Push,
    labels: Vec<(String, String)>,
    metadata: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    auth: Option<Auth>,
}

impl<'a> Settings<'a> {
    pub fn read(push: &'a Push) -> Result<Settings<'a>, Failure> {
        let pairs = |flag: &str, args: &[String]| {
            args.iter()
                .map(|arg| {
                    arg.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .ok_or_else(|| Failure::invalid(format!("{flag} `{arg}`: not NAME=VALUE")))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Settings {
            push,
            labels: pairs("--label", &push.labels)?,
            metadata: pairs("--metadata", &push.metadata)?,
            headers: push
                .headers
                .iter()
                .enumerate()
                .map(|(i, arg)| header(i, arg))
                .collect::<Result<_, _>>()?,
            auth: credentials::from_env()
                .map_err(|e| Failure::invalid(format!("invalid config: auth: {e}")))?,
        })
    }

    /// Call the setter of every setting given. `spool` is the spool
    /// directory as the component sees it.
    pub async fn apply(
        &self,
        instance: &mut Instance,
        options: &Options,
        spool: Option<&str>,
    ) -> Result<(), Failure> {
        let p = self.push;
        if let Some(url) = &p.endpoint {
            instance.set_endpoint(options, url).await?;
        }
        if !self.labels.is_empty() {
            instance.set_labels(options, &self.labels).await?;
        }
        if !self.metadata.is_empty() {
            instance
                .set_structured_metadata(options, &self.metadata)
                .await?;
        }
        if !self.headers.is_empty() {
            instance.set_headers(options, &self.headers).await?;
        }
        if let Some(auth) = &self.auth {
            instance.set_auth(options, auth).await?;
        }
        if let Some(tenant) = &p.tenant {
            instance.set_tenant(options, tenant).await?;
        }
        if let Some(encoding) = p.encoding {
            let encoding = match encoding {
                Encoding::Json => WitEncoding::Json,
                Encoding::JsonGzip => WitEncoding::JsonGzip,
                Encoding::Protobuf => WitEncoding::Protobuf,
            };
            instance.set_encoding(options, encoding).await?;
        }
        if p.use_event_timestamp {
            instance.set_use_event_timestamp(options, true).await?;
        }
        if let Some(ms) = p.timeout_ms {
            instance.set_timeout_ms(options, ms).await?;
        }
        if let Some(n) = p.max_attempts {
            instance.set_max_attempts(options, n).await?;
        }
        if let Some(ms) = p.min_backoff_ms {
            instance.set_min_backoff_ms(options, ms).await?;
        }
        if let Some(ms) = p.max_backoff_ms {
            instance.set_max_backoff_ms(options, ms).await?;
        }
        instance.set_deadline_ms(options, p.deadline_ms).await?;
        if let Some(bytes) = p.max_line_bytes {
            instance.set_max_line_bytes(options, bytes).await?;
        }
        if let Some(dir) = spool {
            instance.set_spool(options, dir).await?;
        }
        if let Some(bytes) = p.spool_max_bytes {
            instance.set_spool_max_bytes(options, bytes).await?;
        }
        if let Some(ms) = p.spool_max_age_ms {
            instance.set_spool_max_age_ms(options, ms).await?;
        }
        Ok(())
    }
}

/// One `--header`, `NAME=VALUE` or `NAME: VALUE` (curl's form). A header
/// may carry a secret, so no message here shows the argument: an argument
/// whose part before the first `=` or `:` is not a header name (an HTTP
/// token) is a value without a name, and refused as a whole.
fn header(i: usize, arg: &str) -> Result<(String, String), Failure> {
    let nth = i + 1;
    let split = arg.find([':', '=']).map(|at| (&arg[..at], &arg[at..]));
    let Some((name, rest)) = split.filter(|(name, _)| is_token(name)) else {
        return Err(Failure::invalid(format!(
            "--header #{nth}: expected NAME=VALUE or \"NAME: VALUE\" with NAME an HTTP \
             header name (the argument is not shown: it may hold a secret)"
        )));
    };
    if name.eq_ignore_ascii_case("authorization") {
        return Err(Failure::invalid(format!(
            "--header #{nth}: credentials are read from the environment, not the command line: \
             set {} or {} and {}",
            credentials::BEARER,
            credentials::USER,
            credentials::PASSWORD
        )));
    }
    if name.eq_ignore_ascii_case("x-scope-orgid") {
        return Err(Failure::invalid(format!(
            "--header #{nth}: the tenant header is set by --tenant"
        )));
    }
    let value = match rest.split_at(1) {
        (":", value) => value.trim_start_matches([' ', '\t']),
        (_, value) => value,
    };
    Ok((name.to_string(), value.to_string()))
}

/// RFC 9110's `token`: what a header name is made of.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::header;

    #[test]
    fn headers_in_either_form_and_never_echoed() {
        let ok = |arg| header(0, arg).unwrap();
        assert_eq!(ok("X-A=b=c"), ("X-A".into(), "b=c".into()));
        assert_eq!(ok("X-A: b:c"), ("X-A".into(), "b:c".into()));
        assert_eq!(ok("X-A:"), ("X-A".into(), "".into()));
        for bad in [
            "Authorization: Bearer s3cret",
            "Bearer s3cret",
            "Authorization Bearer s3cret=",
            "=s3cret",
        ] {
            let e = header(0, bad).unwrap_err();
            assert_eq!(e.code, crate::exit::INVALID);
            assert!(!e.message.contains("s3cret"), "{}", e.message);
        }
    }
}
