//! Runbook parameters: what kinds of value they take, how a value is checked, and how the
//! values given on the command line (or `:run`) become the values a run uses.

use crate::runbook::lang::model::{Diagnostic, ParamDecl, Pos, Runbook};
use serde::{Deserialize, Serialize};
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

/// What a parameter (or an action's argument) must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamKind {
    /// Any text (even several lines) without NUL bytes.
    String,
    RdsInstanceId,
    DbClusterId,
    GlobalClusterId,
    HostedZoneId,
    Region,
    DnsName,
    Duration,
    Integer,
    Boolean,
}

impl ParamKind {
    pub const ALL: [ParamKind; 10] = [
        ParamKind::String,
        ParamKind::RdsInstanceId,
        ParamKind::DbClusterId,
        ParamKind::GlobalClusterId,
        ParamKind::HostedZoneId,
        ParamKind::Region,
        ParamKind::DnsName,
        ParamKind::Duration,
        ParamKind::Integer,
        ParamKind::Boolean,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ParamKind::String => "string",
            ParamKind::RdsInstanceId => "rds-instance-id",
            ParamKind::DbClusterId => "db-cluster-id",
            ParamKind::GlobalClusterId => "global-cluster-id",
            ParamKind::HostedZoneId => "hosted-zone-id",
            ParamKind::Region => "region",
            ParamKind::DnsName => "dns-name",
            ParamKind::Duration => "duration",
            ParamKind::Integer => "integer",
            ParamKind::Boolean => "boolean",
        }
    }

    pub fn parse(name: &str) -> Option<ParamKind> {
        ParamKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What a valid value looks like, in words, for messages.
    pub fn expectation(self) -> &'static str {
        match self {
            ParamKind::String => "text without NUL bytes",
            ParamKind::RdsInstanceId => {
                "an RDS instance identifier: 1 to 63 letters, digits or hyphens, starting with a letter, without two hyphens in a row or a hyphen at the end"
            }
            ParamKind::DbClusterId => {
                "a DB cluster identifier: 1 to 63 letters, digits or hyphens, starting with a letter, without two hyphens in a row or a hyphen at the end"
            }
            ParamKind::GlobalClusterId => {
                "a global cluster identifier: 1 to 255 letters, digits or hyphens, starting with a letter, without two hyphens in a row or a hyphen at the end"
            }
            ParamKind::HostedZoneId => {
                "a hosted zone id: Z followed by 1 to 31 capital letters or digits, such as Z0123456789ABC"
            }
            ParamKind::Region => "a region such as us-west-2 or eu-central-1",
            ParamKind::DnsName => {
                "a DNS name such as api.example.com. (labels of letters, digits, hyphens; at most 255 characters)"
            }
            ParamKind::Duration => "a duration such as 30s, 5m or 1h",
            ParamKind::Integer => "a whole number from 0 to 4294967295",
            ParamKind::Boolean => "true or false",
        }
    }

    /// `Ok` when `value` is one of these; otherwise what it should have been.
    pub fn check(self, value: &str) -> Result<(), String> {
        let ok = match self {
            _ if value.contains('\0') => false,
            ParamKind::String => true,
            ParamKind::RdsInstanceId | ParamKind::DbClusterId => aws_identifier(value, 63),
            ParamKind::GlobalClusterId => aws_identifier(value, 255),
            ParamKind::HostedZoneId => {
                let rest = value.strip_prefix('Z').unwrap_or("");
                (1..=31).contains(&rest.len())
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            }
            ParamKind::Region => region(value),
            ParamKind::DnsName => dns_name(value),
            ParamKind::Duration => humantime::parse_duration(value).is_ok(),
            ParamKind::Integer => value.parse::<u32>().is_ok(),
            ParamKind::Boolean => matches!(value, "true" | "false"),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("`{}` is not {}", shown(value), self.expectation()))
        }
    }
}

/// A value as it may appear in a one-line message: newlines and control characters escaped.
pub fn shown(value: &str) -> String {
    value.escape_debug().to_string()
}

/// A value as a confirmation shows it, so that what is read is exactly what runs: as it is
/// when every character of it prints as itself and it has no space (`db.example.com`);
/// otherwise in double quotes with Rust's escapes (`"a b\r\u{202e}"`), so that a tab, a
/// carriage return, a control or direction-changing character, a leading or trailing space
/// or an empty value can be seen, and where the value ends is never in doubt.
pub fn exact(value: &str) -> String {
    let plain = !value.is_empty()
        && !value.starts_with('"')
        && value.chars().all(|c| c != ' ' && prints_as_itself(c));
    if plain {
        value.to_string()
    } else {
        format!("{value:?}")
    }
}

/// Whether `c` is drawn as itself, visibly: not whitespace other than a space, not a control
/// character, not a zero-width or direction-changing one (those Rust's `escape_debug` escapes;
/// a backslash and quotes it escapes too, though they print).
pub fn prints_as_itself(c: char) -> bool {
    c == ' '
        || (!c.is_whitespace() && (matches!(c, '\\' | '\'' | '"') || c.escape_debug().len() == 1))
}

/// RDS's rules for instance and cluster identifiers.
fn aws_identifier(value: &str, max: usize) -> bool {
    let mut chars = value.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    first_is_letter
        && value.len() <= max
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.contains("--")
        && !value.ends_with('-')
}

fn region(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn dns_name(value: &str) -> bool {
    let name = value.strip_suffix('.').unwrap_or(value);
    !name.is_empty()
        && value.len() <= 255
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*'))
        })
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

/// What secrets look like wherever a value is shown or logged.
pub const REDACTED: &str = "••••••";

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
