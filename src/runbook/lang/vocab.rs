//! The words a `ripcord` block may use: the typed actions and the conditions that gates and
//! waits test, with the arguments each takes. Also their resolved forms (`Operation`, `Probe`):
//! arguments filled in and checked, ready for `Actions`, and described for the operator.

use crate::runbook::lang::params::ParamKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

pub use crate::runbook::act::probe::{Probe, ProbeKind};
pub use crate::runbook::act::{ActionKind, Operation};

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

use ParamKind as K;

pub(crate) const REGION: ArgSpec = arg("region", K::Region, "the region the resource lives in");

/// What the words of an action kind are, read off its module's `SPEC`.
impl ActionKind {
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn args(self) -> &'static [ArgSpec] {
        self.spec().args
    }

    /// Actions that cannot be undone or lose data always need the typed name.
    pub fn always_destructive(self) -> bool {
        self.spec().always_destructive
    }

    /// The argument whose value the operator types to confirm a destructive step.
    pub fn confirm_arg(self) -> &'static str {
        self.spec().confirm_arg
    }

    /// How long the end state may take to show before the step fails.
    pub fn default_timeout(self) -> Duration {
        self.spec().default_timeout
    }

    pub fn summary(self) -> &'static str {
        self.spec().summary
    }
}

/// What the words of a condition kind are, read off its module's `SPEC`.
impl ProbeKind {
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(name: &str) -> Option<ProbeKind> {
        ProbeKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn args(self) -> &'static [ArgSpec] {
        self.spec().args
    }

    pub fn summary(self) -> &'static str {
        self.spec().summary
    }
}

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

/// The closest known word to a misspelt one, for "did you mean".
pub fn closest<'a>(word: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (edit_distance(word, k), k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.name()), Some(k));
            assert!(k.args().iter().any(|a| a.name == k.confirm_arg()));
        }
        for k in ProbeKind::ALL {
            assert_eq!(ProbeKind::parse(k.name()), Some(k));
        }
    }

    /// What each kind says it uses is a method of `Actions`, with its AWS calls: a misspelt
    /// name would leave the IAM policy short without a word.
    #[test]
    fn every_method_a_kind_uses_is_a_method_of_the_port() {
        use crate::runbook::act::port::aws_calls;
        let uses = ActionKind::ALL
            .iter()
            .flat_map(|k| k.spec().uses)
            .chain(ProbeKind::ALL.iter().flat_map(|k| k.spec().uses));
        for method in uses {
            assert!(
                !aws_calls(method).is_empty(),
                "`{method}` is not a method of `Actions`"
            );
        }
    }

    #[test]
    fn suggests_near_misses_only() {
        let names = || ActionKind::ALL.into_iter().map(ActionKind::name);
        assert_eq!(
            closest("promote-replica", names()),
            Some("promote-read-replica")
        );
        assert_eq!(closest("reboot-everything", names()), None);
    }
}
