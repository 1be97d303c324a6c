//! Decoding `application/x-www-form-urlencoded` bodies and query strings exactly once, strictly:
//! invalid percent-encoding results in invalid UTF-8 are refused instead of replaced.

use percent_encoding::percent_decode;

use crate::error::AlipayError;

fn decode(raw: &[u8]) -> Result<String, AlipayError> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_decode(&plus_as_space)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| AlipayError::Malformed("parameter is not valid UTF-8".into()))
}

/// Parses a form body or query string into ordered pairs. Repeated keys are refused (a
/// signed Alipay message never repeats one, and picking one would be ambiguous).
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, AlipayError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (key, value) = match part.iter().position(|b| *b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &b""[..]),
        };
        let key = decode(key)?;
        if pairs.iter().any(|(k, _)| *k == key) {
            return Err(AlipayError::Malformed(format!(
                "parameter {key} appears twice"
            )));
        }
        pairs.push((key, decode(value)?));
    }
    Ok(pairs)
}

/// Encodes pairs for transport (each value URL-encoded once, `+` for spaces).
pub fn encode_form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_special_characters() {
        let pairs = [("subject", "购买课程 + & = % 100%"), ("a", "b=c&d")];
        let encoded = encode_form(pairs);
        let decoded = parse_form(encoded.as_bytes()).unwrap();
        assert_eq!(
            decoded,
            pairs.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec()
        );
    }

    #[test]
    fn decodes_once_only() {
        // "%2541" is "%41" after one decode, never "A".
        assert_eq!(
            parse_form(b"x=%2541").unwrap(),
            vec![("x".into(), "%41".into())]
        );
        assert_eq!(
            parse_form(b"x=a+b%2Bc").unwrap(),
            vec![("x".into(), "a b+c".into())]
        );
    }

    #[test]
    fn refuses_invalid_utf8_and_repeats() {
        assert!(parse_form(b"x=%FF%FE").is_err());
        assert!(parse_form(b"x=1&x=2").is_err());
        assert_eq!(
            parse_form(b"x=&y").unwrap(),
            vec![("x".into(), "".into()), ("y".into(), "".into())]
        );
    }
}
