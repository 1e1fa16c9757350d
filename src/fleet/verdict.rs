//! OK / WARN / CRIT, always with the reason, and never told by colour alone.

use serde::Serialize;

/// Ordered so that `max()` over a set of verdicts gives the worst one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Ok,
    /// We could not tell (no data yet, or a metric with no datapoints).
    Unknown,
    Warn,
    Crit,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "OK",
            Verdict::Unknown => "N/A",
            Verdict::Warn => "WARN",
            Verdict::Crit => "CRIT",
        }
    }

    /// A symbol that survives monochrome terminals and colour-blind eyes.
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Ok => "✔",
            Verdict::Unknown => "?",
            Verdict::Warn => "▲",
            Verdict::Crit => "✖",
        }
    }

    /// Symbol and word, the way every verdict is shown on screen (`symbol`, a space, `word`;
    /// written out, as every row's cell shows one).
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Ok => "✔ OK",
            Verdict::Unknown => "? N/A",
            Verdict::Warn => "▲ WARN",
            Verdict::Crit => "✖ CRIT",
        }
    }
}

/// A verdict and why it was reached, in words an on-call engineer can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub verdict: Verdict,
    pub reason: String,
}

impl Evaluation {
    pub fn new(verdict: Verdict, reason: impl Into<String>) -> Self {
        Self {
            verdict,
            reason: reason.into(),
        }
    }
    pub fn ok(reason: impl Into<String>) -> Self {
        Self::new(Verdict::Ok, reason)
    }
    pub fn warn(reason: impl Into<String>) -> Self {
        Self::new(Verdict::Warn, reason)
    }
    pub fn crit(reason: impl Into<String>) -> Self {
        Self::new(Verdict::Crit, reason)
    }
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self::new(Verdict::Unknown, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_verdict_is_the_max() {
        let all = [Verdict::Ok, Verdict::Crit, Verdict::Unknown, Verdict::Warn];
        assert_eq!(all.iter().max(), Some(&Verdict::Crit));
        assert!(Verdict::Warn > Verdict::Unknown && Verdict::Unknown > Verdict::Ok);
    }

    #[test]
    fn every_verdict_has_a_distinct_symbol_and_word() {
        let all = [Verdict::Ok, Verdict::Unknown, Verdict::Warn, Verdict::Crit];
        for a in all {
            for b in all {
                if a != b {
                    assert_ne!(a.symbol(), b.symbol());
                    assert_ne!(a.word(), b.word());
                }
            }
            assert_eq!(a.label(), format!("{} {}", a.symbol(), a.word()));
        }
    }
}
