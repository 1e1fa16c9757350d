//! The words a `ripcord` block may use: the typed actions and the conditions that gates and
//! waits test, with the arguments each takes. Also their resolved forms (`Operation`, `Probe`):
//! arguments filled in and checked, ready for `Actions`, and described for the operator.

pub use crate::runbook::words::{ArgSpec, Filled, Pin, PinnedRecoveryPoint};

pub use crate::runbook::act::probe::{Probe, ProbeKind};
pub use crate::runbook::act::{ActionKind, Operation};

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
