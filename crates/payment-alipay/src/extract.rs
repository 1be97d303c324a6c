//! Pulls the raw text of `"<method>_response": {...}` and the `"sign"` out of a gateway answer
//! WITHOUT re-serialising: Alipay signs the exact bytes it sent, so verification must use them.
//! The scanner understands JSON strings (quotes, escapes, braces inside strings).

use crate::error::AlipayError;

/// Advances past a JSON string starting at `start` (the opening quote); returns the index after
/// the closing quote.
fn skip_string(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Advances past one JSON value starting at `start`; returns the index after it.
fn skip_value(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => skip_string(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = skip_string(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let mut i = start;
            while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b']') {
                i += 1;
            }
            Some(i)
        }
    }
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The top-level members of a JSON object as (key, raw value text) pairs.
pub fn top_level_members(body: &str) -> Result<Vec<(String, &str)>, AlipayError> {
    let bad = || AlipayError::Transport("gateway answer is not a JSON object".into());
    let bytes = body.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return Err(bad());
    }
    i += 1;
    let mut members = Vec::new();
    loop {
        i = skip_ws(bytes, i);
        match bytes.get(i) {
            Some(b'}') => return Ok(members),
            Some(b',') => {
                i += 1;
                continue;
            }
            Some(b'"') => {}
            _ => return Err(bad()),
        }
        let key_end = skip_string(bytes, i).ok_or_else(bad)?;
        let key: String = serde_json::from_str(&body[i..key_end]).map_err(|_| bad())?;
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return Err(bad());
        }
        i = skip_ws(bytes, i + 1);
        let value_end = skip_value(bytes, i).ok_or_else(bad)?;
        members.push((key, body[i..value_end].trim_end()));
        i = value_end;
    }
}

/// The raw `<method>_response` (or `error_response`) text and the top-level sign.
pub fn extract_response<'a>(
    body: &'a str,
    method: &str,
) -> Result<(&'a str, Option<String>), AlipayError> {
    let wanted = format!("{}_response", method.replace('.', "_"));
    let members = top_level_members(body)?;
    let response = members
        .iter()
        .find(|(k, _)| *k == wanted)
        .or_else(|| members.iter().find(|(k, _)| k == "error_response"))
        .map(|(_, v)| *v)
        .ok_or_else(|| AlipayError::Transport(format!("gateway answer has no {wanted}")))?;
    let sign = members
        .iter()
        .find(|(k, _)| k == "sign")
        .and_then(|(_, v)| serde_json::from_str::<String>(v).ok());
    Ok((response, sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_exact_bytes_even_with_tricky_strings() {
        let inner = r#"{"code":"10000","msg":"Success","subject":"a \"}\" {[ , ] 中文","n":1.50}"#;
        let body = format!(r#"{{ "alipay_trade_query_response" : {inner} , "sign":"abc+/="}}"#);
        let (raw, sign) = extract_response(&body, "alipay.trade.query").unwrap();
        assert_eq!(raw, inner);
        assert_eq!(sign.as_deref(), Some("abc+/="));
    }

    #[test]
    fn sign_may_come_first_and_error_response_is_found() {
        let body = r#"{"sign":"s","error_response":{"code":"40002","msg":"Invalid Arguments"}}"#;
        let (raw, sign) = extract_response(body, "alipay.trade.close").unwrap();
        assert_eq!(raw, r#"{"code":"40002","msg":"Invalid Arguments"}"#);
        assert_eq!(sign.as_deref(), Some("s"));
    }

    #[test]
    fn garbage_is_a_transport_error() {
        for body in ["", "<html>", "{\"x\":", "[1]", "{\"other_response\":{}}"] {
            assert!(
                extract_response(body, "alipay.trade.query").is_err(),
                "{body}"
            );
        }
    }
}
