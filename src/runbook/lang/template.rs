//! `{{param}}` references in action arguments: finding them (for the checks) and filling them
//! in (when a run starts). Shell steps never go through here: they get parameters only as
//! environment variables.

use crate::runbook::lang::params::ParamValues;

/// One `{{...}}` in a text, with its byte range (braces included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The trimmed text between the braces.
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// A `{{` that does not make a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub start: usize,
    pub message: String,
}

/// Every `{{name}}` in `text`, or the first malformed one.
pub fn references(text: &str) -> Result<Vec<Reference>, Malformed> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| i + from) {
        let inner_start = open + 2;
        let Some(close) = text[inner_start..].find("}}").map(|i| i + inner_start) else {
            return Err(Malformed {
                start: open,
                message: "`{{` is not closed: write {{name}}".to_string(),
            });
        };
        let name = text[inner_start..close].trim();
        if !is_param_name(name) {
            return Err(Malformed {
                start: open,
                message: format!(
                    "`{}` is not a parameter reference: write {{{{name}}}} with a declared parameter name",
                    &text[open..close + 2]
                ),
            });
        }
        found.push(Reference {
            name: name.to_string(),
            start: open,
            end: close + 2,
        });
        from = close + 2;
    }
    Ok(found)
}

/// Parameter names: lower-case letters, digits and underscores, starting with a letter, so
/// each maps to one environment variable name.
pub fn is_param_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Fills in every reference. The checks have already made sure each names a parameter; one
/// that does not (which the checks refuse) is left as written.
pub fn fill(text: &str, values: &ParamValues) -> String {
    let Ok(refs) = references(text) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in refs {
        out.push_str(&text[last..r.start]);
        match values.get(&r.name) {
            Some(v) => out.push_str(v),
            None => out.push_str(&text[r.start..r.end]),
        }
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::lang::params::ParamValue;

    fn values() -> ParamValues {
        ParamValues(vec![ParamValue {
            name: "replica".into(),
            value: "orders-dr-usw2".into(),
            secret: false,
            given: false,
        }])
    }

    #[test]
    fn finds_and_fills_references_with_or_without_spaces() {
        let refs = references("db {{replica}} and {{ replica }}").expect("ok");
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].start, 3);
        assert_eq!(
            fill("db {{replica}}/{{ replica }}", &values()),
            "db orders-dr-usw2/orders-dr-usw2"
        );
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(references("{{replica").is_err());
        let e = references("x {{Replica}}").expect_err("upper case");
        assert_eq!(e.start, 2);
        assert!(references("{{ a b }}").is_err());
    }
}
