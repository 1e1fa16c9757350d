//! The words every room of `runbook/` shares, and nothing else: where a thing is in a runbook
//! file (`Pos`), an argument as written (`Template`, `Args`), the kinds of value a parameter or
//! an argument takes (`ParamKind`), what an action's or a condition's argument is (`ArgSpec`),
//! arguments once filled in (`Filled`), and a value a read pinned for the change (`Pin`).
//!
//! A leaf: it names nothing else in `runbook/`, so the language (`lang/`), the actions
//! (`act/`) and the executor (`exec/`) can all use it without pointing at one another in a
//! loop (`layers::no_cycle_between_folders` checks it).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A place in a runbook file: 1-based line, and 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub fn new(line: usize, column: usize) -> Self {
        Self { line, column }
    }
}

/// An argument as written: a literal or a `{{param}}` template, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub raw: String,
    pub pos: Pos,
}

/// The arguments of an action or a condition, in the order the vocabulary lists them.
#[derive(Debug, Clone, Default)]
pub struct Args(pub Vec<(&'static str, Template)>);

impl Args {
    pub fn get(&self, name: &str) -> Option<&Template> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, t)| t)
    }
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
            ParamKind::Region => crate::fleet::place::is_region_name(value),
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

/// What secrets look like wherever a value is shown or logged.
pub const REDACTED: &str = "••••••";

/// One argument an action or condition takes.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    /// `max: rpo` means the runbook's RPO.
    pub allows_rpo: bool,
    /// `any` means no limit at all: a deliberate override, recorded with the step.
    pub allows_any: bool,
    pub help: &'static str,
}

impl ArgSpec {
    /// Whether `value` is one of the words this argument takes instead of a value of its
    /// kind (`rpo`, `any`).
    pub fn is_keyword(&self, value: &str) -> bool {
        (self.allows_rpo && value == "rpo") || (self.allows_any && value == "any")
    }
}

pub(crate) const fn arg(name: &'static str, kind: ParamKind, help: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        kind,
        required: true,
        allows_rpo: false,
        allows_any: false,
        help,
    }
}

pub(crate) const fn optional(name: &'static str, kind: ParamKind, help: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        kind,
        required: false,
        allows_rpo: false,
        allows_any: false,
        help,
    }
}

pub(crate) const REGION: ArgSpec = arg(
    "region",
    ParamKind::Region,
    "the region the resource lives in",
);

/// Arguments after `{{param}}`s were filled in, by name.
pub type Filled = BTreeMap<&'static str, String>;

/// A recovery point chosen before confirming, as the change needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedRecoveryPoint {
    pub arn: String,
    pub resource_type: String,
}

/// A value a read found that the change must use exactly as read, not read again: carried
/// by a `Check` from the pre-checks (or the end state of a step in doubt) into the operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "pin", rename_all = "kebab-case")]
pub enum Pin {
    RecoveryPoint(PinnedRecoveryPoint),
}

pub(crate) fn take(args: &Filled, name: &str) -> String {
    args.get(name).cloned().unwrap_or_default()
}

pub(crate) fn take_optional(args: &Filled, name: &str) -> Option<String> {
    args.get(name).filter(|v| !v.is_empty()).cloned()
}
