//! Runbook parameters: what kinds of value they take, how a value is checked, and how the
//! values given on the command line (or `:run`) become the values a run uses.

use crate::runbook::lang::model::{Diagnostic, ParamDecl, Pos, Runbook};
use serde::{Deserialize, Serialize};

pub use crate::runbook::words::{ParamKind, REDACTED, exact, prints_as_itself, shown};
use std::collections::BTreeSet;

/// A run's parameter as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundParam {
    pub name: String,
    /// The value, or `••••••` for a secret.
    pub value: String,
    pub secret: bool,
    pub given: bool,
}

/// Checks a value against a declared parameter: its kind, then its pattern.
pub fn check_value(decl: &ParamDecl, value: &str) -> Result<(), String> {
    decl.kind.check(value)?;
    if let Some(p) = &decl.pattern
        && !p.regex.is_match(value)
    {
        return Err(format!(
            "`{}` does not match the pattern `{}`",
            shown(value),
            p.source
        ));
    }
    Ok(())
}

/// The value of each parameter for one run. Deliberately not `Serialize`: what is logged is
/// `for_display()`, so a secret cannot reach a log by accident.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamValues(pub Vec<ParamValue>);

#[derive(Clone, PartialEq, Eq)]
pub struct ParamValue {
    pub name: String,
    pub value: String,
    pub secret: bool,
    /// Whether the operator gave it, or it is the runbook's default.
    pub given: bool,
}

/// Debug output hides secrets too: a stray `{:?}` in a log line must not leak one.
impl std::fmt::Debug for ParamValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParamValue")
            .field("name", &self.name)
            .field("value", &self.display())
            .field("secret", &self.secret)
            .field("given", &self.given)
            .finish()
    }
}

impl ParamValue {
    /// The value as it may be shown: secrets hidden.
    pub fn display(&self) -> &str {
        if self.secret { REDACTED } else { &self.value }
    }
}

impl ParamValues {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }

    /// `(name, shown value)` pairs for screens and logs; secrets hidden.
    pub fn for_display(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|p| (p.name.clone(), p.display().to_string()))
            .collect()
    }

    /// The values as the run log records them: secrets replaced, and whether each was given.
    pub fn bound(&self) -> Vec<BoundParam> {
        self.0
            .iter()
            .map(|p| BoundParam {
                name: p.name.clone(),
                value: p.display().to_string(),
                secret: p.secret,
                given: p.given,
            })
            .collect()
    }

    /// The values of secret parameters, non-empty, for scrubbing them from anything written.
    pub fn secret_values(&self) -> Vec<String> {
        self.0
            .iter()
            .filter(|p| p.secret && !p.value.is_empty())
            .flat_map(|p| {
                // As written, and as `exact` and `shown` escape it on screen.
                let escaped = format!("{:?}", p.value);
                let escaped = escaped[1..escaped.len() - 1].to_string();
                let shown = shown(&p.value);
                let mut forms = vec![p.value.clone()];
                forms.extend([escaped, shown].into_iter().filter(|f| *f != p.value));
                forms.dedup();
                forms
            })
            .collect()
    }

    /// `text` with every secret value in it replaced: for results, errors and output lines,
    /// which can echo a value the runbook passed on.
    pub fn hide_secrets(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.secret_values() {
            if out.contains(&secret) {
                out = out.replace(&secret, REDACTED);
            }
        }
        out
    }

    /// A copy of any serializable value with every secret inside its strings replaced (an
    /// operation built from a secret parameter, for the run log). The value itself is kept
    /// when it cannot be round-tripped, which no type in the run log does.
    pub fn hide_secrets_in<T>(&self, value: &T) -> T
    where
        T: serde::Serialize + serde::de::DeserializeOwned + Clone,
    {
        let secrets = self.secret_values();
        if secrets.is_empty() {
            return value.clone();
        }
        serde_json::to_value(value)
            .ok()
            .and_then(|mut v| {
                scrub_json(&mut v, &secrets);
                serde_json::from_value(v).ok()
            })
            .unwrap_or_else(|| value.clone())
    }

    /// A copy safe to log: every secret value replaced.
    pub fn redacted(&self) -> ParamValues {
        ParamValues(
            self.0
                .iter()
                .map(|p| ParamValue {
                    value: p.display().to_string(),
                    ..p.clone()
                })
                .collect(),
        )
    }

    pub fn is_secret_value(&self, text: &str) -> bool {
        self.0.iter().any(|p| p.secret && p.value == text)
    }
}

/// Replaces every secret value inside every string of a JSON value (keys are left alone).
pub fn scrub_json(value: &mut serde_json::Value, secrets: &[String]) {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                if text.contains(secret.as_str()) {
                    *text = text.replace(secret.as_str(), REDACTED);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| scrub_json(v, secrets)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Splits `name=value` (the value may hold any character, `=` included).
pub fn split_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "`{}` is not NAME=VALUE (for example replica=orders-dr-usw2)",
            shown(text)
        )),
    }
}

/// Turns the values given for a run into the values it uses: defaults filled in, every value
/// checked. Problems name the runbook file and the line the parameter is declared on.
pub fn resolve(book: &Runbook, given: &[(String, String)]) -> Result<ParamValues, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let at = |pos: Pos, message: String| Diagnostic {
        file: book.file.clone(),
        pos,
        message,
    };
    let header = book.params.first().map_or(Pos::new(1, 1), |p| p.pos);
    let declared: Vec<&str> = book.params.iter().map(|p| p.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    for (name, _) in given {
        if !seen.insert(name.as_str()) {
            problems.push(at(
                header,
                format!("parameter `{name}` is given twice: give it once"),
            ));
        }
        if book.param(name).is_none() {
            let known = if declared.is_empty() {
                "it declares no parameters".to_string()
            } else {
                format!("it declares {}", declared.join(", "))
            };
            problems.push(at(header, format!("unknown parameter `{name}`: {known}")));
        }
    }
    let mut values = Vec::new();
    for decl in &book.params {
        let given_value = given.iter().find(|(n, _)| *n == decl.name).map(|(_, v)| v);
        let (value, was_given) = match (given_value, &decl.default) {
            (Some(v), _) => (v.clone(), true),
            (None, Some(d)) => (d.clone(), false),
            (None, None) if decl.required => {
                problems.push(at(
                    decl.pos,
                    format!(
                        "parameter `{}` is required and has no default: give it as {}=VALUE ({})",
                        decl.name,
                        decl.name,
                        decl.kind.expectation()
                    ),
                ));
                continue;
            }
            (None, None) => (String::new(), false),
        };
        // An optional parameter left empty is allowed to be empty.
        let checked = if value.is_empty() && !decl.required && given_value.is_none() {
            Ok(())
        } else {
            check_value(decl, &value)
        };
        if let Err(why) = checked {
            let shown_why = if decl.secret {
                format!("its value is not {}", decl.kind.expectation())
            } else {
                why
            };
            let origin = if was_given { "given" } else { "default" };
            problems.push(at(
                decl.pos,
                format!(
                    "parameter `{}` ({origin}): {shown_why}: give a valid {}=VALUE",
                    decl.name, decl.name
                ),
            ));
            continue;
        }
        values.push(ParamValue {
            name: decl.name.clone(),
            value,
            secret: decl.secret,
            given: was_given,
        });
    }
    if problems.is_empty() {
        Ok(ParamValues(values))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_the_rds_rules() {
        let k = ParamKind::RdsInstanceId;
        assert!(k.check("orders-dr-usw2").is_ok());
        assert!(k.check("a").is_ok());
        for bad in ["", "1abc", "a--b", "abc-", "a_b", "a b", &"a".repeat(64)] {
            assert!(k.check(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn regions_zones_and_names() {
        assert!(ParamKind::Region.check("us-west-2").is_ok());
        assert!(ParamKind::Region.check("us-gov-west-1").is_ok());
        assert!(ParamKind::Region.check("us-west").is_err());
        assert!(ParamKind::Region.check("US-WEST-2").is_err());
        assert!(ParamKind::HostedZoneId.check("Z0123456789ABC").is_ok());
        assert!(ParamKind::HostedZoneId.check("z0123").is_err());
        assert!(ParamKind::HostedZoneId.check("Z").is_err());
        assert!(ParamKind::DnsName.check("api.example.com.").is_ok());
        assert!(ParamKind::DnsName.check("api..example.com").is_err());
        assert!(ParamKind::Duration.check("90s").is_ok());
        assert!(ParamKind::Duration.check("soon").is_err());
    }

    #[test]
    fn any_text_but_nul_is_a_string() {
        assert!(ParamKind::String.check("a'b\"c\n$(d)`e`;f").is_ok());
        let err = ParamKind::String.check("a\0b").expect_err("nul");
        assert_eq!(err, "`a\\0b` is not text without NUL bytes");
    }

    #[test]
    fn assignments_keep_everything_after_the_first_equals() {
        assert_eq!(
            split_assignment("q=a=b c").expect("ok"),
            ("q".to_string(), "a=b c".to_string())
        );
        assert!(split_assignment("novalue").is_err());
        assert!(split_assignment("=x").is_err());
    }
}
