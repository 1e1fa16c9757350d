//! The one way a record is turned into bytes, so that anyone can recompute its hash: JSON with
//! object keys sorted by their bytes, no whitespace, and serde_json's escaping of strings and
//! formatting of numbers. Sorting here, not in the map type, keeps the form the same whatever
//! features serde_json is built with.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The canonical text of a JSON value.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            // Scalars serialize infallibly; the fallback only keeps the types honest.
            out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "null".to_string()));
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(&Value::String(key.clone()), out);
                out.push(':');
                write(&map[key], out);
            }
            out.push('}');
        }
    }
}

/// SHA-256 of `bytes`, as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_level_and_nothing_else_changes() {
        let v = json!({"b": 1, "a": {"z": [true, null, "x\n\"y"], "m": 2.5}, "A": "é"});
        assert_eq!(
            to_string(&v),
            r#"{"A":"é","a":{"m":2.5,"z":[true,null,"x\n\"y"]},"b":1}"#
        );
        let reparsed: Value = serde_json::from_str(&to_string(&v)).expect("valid json");
        assert_eq!(
            to_string(&reparsed),
            to_string(&v),
            "stable through a round trip"
        );
    }

    #[test]
    fn sha256_matches_the_standard_test_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
