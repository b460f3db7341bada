//! Loki's label selector parser: `{name="value", ...}` with Go string
//! escapes, as the `labels` of a protobuf stream carry its label set.

/// Parse `{a="1", b="2"}` as Loki's label parser does.
pub fn parse_selector(s: &str) -> Result<Vec<(String, String)>, String> {
    let inner = s
        .trim()
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .ok_or_else(|| format!("labels {s:?} are not {{...}}"))?;
    let mut out = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("no `=` in {rest:?}"))?;
        let name = rest[..eq].trim().to_string();
        let (value, after) = unquote(rest[eq + 1..].trim_start())?;
        out.push((name, value));
        rest = after.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return Err(format!("expected `,` before {rest:?}"));
        }
    }
    Ok(out)
}

/// Read a Go double-quoted string literal at the start of `s`; return its
/// value and what follows.
fn unquote(s: &str) -> Result<(String, &str), String> {
    let mut chars = s
        .strip_prefix('"')
        .ok_or("a label value must be quoted")?
        .char_indices();
    let body = &s[1..];
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\n' => return Err("newline in a quoted value".into()),
            '\\' => {
                let (_, e) = chars.next().ok_or("dangling escape")?;
                let mut hex = |n: usize| -> Result<u32, String> {
                    let digits: String = (0..n)
                        .filter_map(|_| chars.next().map(|(_, c)| c))
                        .collect();
                    u32::from_str_radix(&digits, 16)
                        .map_err(|_| format!("bad escape \\{e}{digits}"))
                };
                let decoded = match e {
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\u{b}',
                    '\\' | '"' | '\'' => e,
                    'x' => char::from_u32(hex(2)?).ok_or("bad \\x")?,
                    'u' => char::from_u32(hex(4)?).ok_or("bad \\u")?,
                    'U' => char::from_u32(hex(8)?).ok_or("bad \\U")?,
                    other => return Err(format!("unknown escape \\{other}")),
                };
                out.push(decoded);
            }
            c => out.push(c),
        }
    }
    Err("unterminated quoted value".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse_with_go_escapes() {
        let got =
            parse_selector(r#"{job="metrics", note="a\"b\\c\n\x01\u00e9", event="x"}"#).unwrap();
        let want = [
            ("job", "metrics"),
            ("note", "a\"b\\c\n\u{1}é"),
            ("event", "x"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want);
        assert!(parse_selector(r#"{job="unterminated}"#).is_err());
        assert!(parse_selector(r#"job="x""#).is_err());
    }
}
