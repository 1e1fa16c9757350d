//! The `dns-answer-is` condition: its arguments, its words, and how it is read.

use super::*;

/// What the vocabulary says about this condition: its name and its arguments.
pub const SPEC: ConditionSpec = ConditionSpec {
    name: "dns-answer-is",
    args: &[
        arg("zone", K::HostedZoneId, "the hosted zone id"),
        arg("name", K::DnsName, "the record name"),
        arg("value", K::String, "the answer expected"),
        optional("type", K::String, "the record type; CNAME when not given"),
    ],
    summary: "Route 53 answers a name with the value expected",
    uses: &["dns_answer"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsAnswerIs {
    pub zone: String,
    pub name: String,
    pub record_type: String,
    pub value: String,
}
impl DnsAnswerIs {
    /// From checked arguments; `rpo` is the runbook's, for `max: rpo`.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            zone: t("zone"),
            name: t("name"),
            value: t("value"),
            record_type: take_optional(args, "type").unwrap_or_else(|| "CNAME".to_string()),
        }
    }
}

#[async_trait]
impl Condition for DnsAnswerIs {
    fn describe(&self) -> String {
        let Self {
            name,
            record_type,
            value,
            ..
        } = self;
        format!("{name} {record_type} answers {value}")
    }
    async fn evaluate(&self, actions: &dyn Actions, _clock: &Clock) -> Check {
        let Self {
            zone,
            name,
            record_type,
            value,
        } = self;
        let label = self.describe();
        match actions.dns_answer(zone, name, record_type).await {
            Err(e) => failed(&label, &e),
            Ok(Observed { value: answers, at }) => {
                let holds = answers.iter().any(|a| same_name(a, value));
                let detail = if answers.is_empty() {
                    "no answer".to_string()
                } else {
                    format!("answers {}", answers.join(", "))
                };
                Check::new(label, holds, detail).at(at)
            }
        }
    }
}
