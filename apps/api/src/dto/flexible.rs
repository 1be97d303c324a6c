//! Request fields that accept a JSON number or a numeric string (SPEC 3), as the tutorial's
//! client sends either. Anything else is a clear 400.

use std::fmt;

use serde::de::{self, Visitor};
use serde::Deserializer;

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer (number or numeric string)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("integer out of range"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        Err(E::custom(format!("expected an integer, got {v}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format!("expected an integer, got {v:?}")))
    }
}

/// Deserializes an integer from a JSON number or a numeric string.
pub fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(IntVisitor)
}

struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("true, false, 1 or 0")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::custom(format!("expected true, false, 1 or 0, got {v}"))),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.trim() {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            _ => Err(E::custom(format!(
                "expected true, false, 1 or 0, got {v:?}"
            ))),
        }
    }
}

/// Deserializes a flag from a JSON boolean, 0/1, or their string forms.
pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    deserializer.deserialize_any(BoolVisitor)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Body {
        #[serde(deserialize_with = "super::integer")]
        id: i64,
        #[serde(deserialize_with = "super::boolean")]
        on: bool,
    }

    fn parse(json: &str) -> Result<Body, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn accepts_numbers_and_strings() {
        let body = parse(r#"{"id": 3, "on": true}"#).unwrap();
        assert_eq!((body.id, body.on), (3, true));
        let body = parse(r#"{"id": "4", "on": "0"}"#).unwrap();
        assert_eq!((body.id, body.on), (4, false));
        let body = parse(r#"{"id": 5, "on": 1}"#).unwrap();
        assert_eq!((body.id, body.on), (5, true));
    }

    #[test]
    fn refuses_wrong_types() {
        for bad in [
            r#"{"id": "abc", "on": true}"#,
            r#"{"id": 1.5, "on": true}"#,
            r#"{"id": true, "on": true}"#,
            r#"{"id": null, "on": true}"#,
            r#"{"id": [1], "on": true}"#,
            r#"{"id": 1, "on": 2}"#,
            r#"{"id": 1, "on": "yes"}"#,
            r#"{"id": 99999999999999999999, "on": true}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
