//! Request fields that accept a JSON number or a numeric string (SPEC 3), as the tutorial's
//! client sends either. Anything else is a clear 400.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

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

/// An optional integer (absent or `null` is `None`), otherwise read like [`integer`].
pub fn optional_integer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Flexible(#[serde(deserialize_with = "integer")] i64);
    Ok(Option::<Flexible>::deserialize(deserializer)?.map(|f| f.0))
}

/// Deserializes a flag from a JSON boolean, 0/1, or their string forms.
pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    deserializer.deserialize_any(BoolVisitor)
}

struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = rust_decimal::Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount in yuan (number or numeric string)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(rust_decimal::Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(rust_decimal::Decimal::from(v))
    }

    /// A JSON number arrives as the nearest f64; its shortest decimal form (what the client
    /// wrote, for any amount with a few decimals) is parsed exactly, never the binary value.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if !v.is_finite() {
            return Err(E::custom("amount must be finite"));
        }
        self.visit_str(&v.to_string())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format!("expected an amount, got {v:?}")))
    }
}

/// Deserializes an amount of money exactly, from a JSON number or a numeric string.
pub fn money<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<rust_decimal::Decimal, D::Error> {
    deserializer.deserialize_any(MoneyVisitor)
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

    #[derive(Deserialize, Debug)]
    struct Amount {
        #[serde(deserialize_with = "super::money")]
        amount: rust_decimal::Decimal,
    }

    #[test]
    fn money_is_exact_from_numbers_and_strings() {
        for (json, text) in [
            (r#"{"amount": 12.34}"#, "12.34"),
            (r#"{"amount": 0.1}"#, "0.1"),
            (r#"{"amount": "99.99"}"#, "99.99"),
            (r#"{"amount": 500}"#, "500"),
        ] {
            let amount: Amount = serde_json::from_str(json).unwrap();
            assert_eq!(amount.amount.to_string(), text, "{json}");
        }
        for bad in [
            r#"{"amount": "x"}"#,
            r#"{"amount": true}"#,
            r#"{"amount": null}"#,
        ] {
            assert!(serde_json::from_str::<Amount>(bad).is_err(), "{bad}");
        }
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
