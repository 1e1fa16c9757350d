//! One audit record: a run-log entry with who made it, against which runbook, and its place in
//! the hash chain. One canonical JSON object per line (see `canonical`).
//!
//! `hash` is the SHA-256 of the record's canonical text without the `hash` key; `prev` is the
//! previous record's `hash` (`GENESIS` for the first). Changing, removing, reordering or adding
//! a line therefore breaks the chain where it happened.

use super::canonical;
use crate::runbook::act::port::CallerIdentity;
use crate::runbook::exec::log::{LogEntry, LogEvent};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `prev` of a file's first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookRef {
    pub name: String,
    /// The file as ripcord names it (`runbooks/NAME.md` for a shipped runbook).
    pub file: String,
    /// SHA-256 of the runbook's text when the record was written.
    pub sha256: String,
}

/// Who was at the keyboard, and with whose cloud credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// The OS user (`USER`, else `LOGNAME`).
    pub user: String,
    pub host: String,
    /// `SSH_CONNECTION` (client address and port, server address and port) when ripcord runs
    /// in an SSH session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_connection: Option<String>,
    /// The identity of the credentials the actions use.
    pub aws: CallerIdentity,
}

impl Operator {
    pub fn describe(&self) -> String {
        let mut text = format!("{}@{}", self.user, self.host);
        if let Some(ssh) = &self.ssh_connection {
            let from = ssh.split_whitespace().next().unwrap_or(ssh);
            text.push_str(&format!(" (ssh from {from})"));
        }
        text
    }
}

/// The named account (`[[account]]`) a step's record is about, and whose credentials act
/// there: written on a step's intent and on its outcome when the config names accounts; absent
/// otherwise (the one identity is the operator's `aws`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActedIn {
    /// The account's name in the config.
    pub name: String,
    /// What sts:GetCallerIdentity answered for that account's credentials.
    pub aws: CallerIdentity,
    /// The account is marked production (`environment = "prod"`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub production: bool,
}

/// A record before it is placed in the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub at: Timestamp,
    pub run: String,
    pub runbook: RunbookRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub event: LogEvent,
    pub operator: Operator,
    /// The named account the step acts in (`ActedIn`), with named accounts only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<ActedIn>,
}

/// A record as read back from a file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub seq: u64,
    pub at: Timestamp,
    pub run: String,
    pub runbook: RunbookRef,
    #[serde(default)]
    pub step: Option<String>,
    pub event: LogEvent,
    pub operator: Operator,
    /// The named account the step acts in, and its identity (`ActedIn`).
    #[serde(default)]
    pub account: Option<ActedIn>,
    /// Only in a run's first record, written since the index: a random value that makes this
    /// run's chain unlike any other, so that another valid chain put in its place is told
    /// apart (the index keeps it). Files written before have none.
    #[serde(default)]
    pub nonce: Option<String>,
    pub prev: String,
    pub hash: String,
}

/// What the last record of an ended run says: how many records it closes and the hash of the
/// last of them. Nothing is written to the file after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    /// The run ended `finished` or `aborted`.
    pub outcome: String,
    /// The records before the seal.
    pub records: u64,
    /// The hash of the last of them (the seal's `prev`).
    pub head: String,
}

/// The seal as it is written: in the chain like every record, with `seal` where the others
/// have `event`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealRecord {
    pub seq: u64,
    pub at: Timestamp,
    pub run: String,
    pub seal: Seal,
    pub prev: String,
    pub hash: String,
}

impl SealRecord {
    /// The body of a seal, before it is placed in the chain.
    pub fn body(at: Timestamp, run: &str, seal: &Seal) -> serde_json::Map<String, Value> {
        #[derive(Serialize)]
        struct Body<'a> {
            at: Timestamp,
            run: &'a str,
            seal: &'a Seal,
        }
        match serde_json::to_value(Body { at, run, seal }) {
            Ok(Value::Object(body)) => body,
            // Plain strings and numbers always encode as an object.
            _ => serde_json::Map::new(),
        }
    }

    /// Whether the seal closes exactly the records before it.
    pub fn matches_chain(&self) -> bool {
        self.seal.head == self.prev && self.seal.records + 1 == self.seq
    }
}

impl Record {
    /// The run-log entry this record holds.
    pub fn entry(&self) -> LogEntry {
        LogEntry {
            seq: self.seq,
            at: self.at,
            run: self.run.clone(),
            step: self.step.clone(),
            event: self.event.clone(),
        }
    }
}

/// Places a record body in the chain: adds `seq` and `prev`, then its `hash`. Returns the line
/// to write (without the newline) and the hash.
pub fn seal(mut body: serde_json::Map<String, Value>, seq: u64, prev: &str) -> (String, String) {
    body.insert("seq".to_string(), Value::from(seq));
    body.insert("prev".to_string(), Value::from(prev));
    body.remove("hash");
    let mut value = Value::Object(body);
    let hash = canonical::sha256_hex(canonical::to_string(&value).as_bytes());
    if let Value::Object(map) = &mut value {
        map.insert("hash".to_string(), Value::from(hash.clone()));
    }
    (canonical::to_string(&value), hash)
}

/// Why a line is not a sound record on its own (before its place in the chain is looked at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsound {
    NotJson(String),
    NoHash,
    /// The hash does not match the content: the line was changed after it was written.
    HashMismatch,
    /// Valid, with the right hash, but not in canonical form: rewritten by something else.
    NotCanonical,
    /// No `seq` or `prev`, or not of the right type.
    Shape(String),
}

impl Unsound {
    pub fn describe(&self) -> String {
        match self {
            Unsound::NotJson(e) => format!("not a JSON record ({e})"),
            Unsound::NoHash => "it has no `hash`".to_string(),
            Unsound::HashMismatch => {
                "its content does not match its hash: it was changed after it was written"
                    .to_string()
            }
            Unsound::NotCanonical => {
                "it is not in canonical form: it was rewritten after it was written".to_string()
            }
            Unsound::Shape(e) => e.clone(),
        }
    }
}

/// What the chain needs from one line, once its own hash checks out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub seq: u64,
    pub prev: String,
    pub hash: String,
}

/// Checks one line on its own: JSON, canonical, its hash matches its content.
pub fn check_line(line: &[u8]) -> Result<Link, Unsound> {
    let text = std::str::from_utf8(line).map_err(|e| Unsound::NotJson(e.to_string()))?;
    let value: Value = serde_json::from_str(text).map_err(|e| Unsound::NotJson(e.to_string()))?;
    let Value::Object(mut map) = value.clone() else {
        return Err(Unsound::NotJson("not an object".to_string()));
    };
    let Some(Value::String(hash)) = map.remove("hash") else {
        return Err(Unsound::NoHash);
    };
    let computed =
        canonical::sha256_hex(canonical::to_string(&Value::Object(map.clone())).as_bytes());
    if computed != hash {
        return Err(Unsound::HashMismatch);
    }
    if canonical::to_string(&value) != text {
        return Err(Unsound::NotCanonical);
    }
    let seq = map
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or_else(|| Unsound::Shape("it has no `seq` number".to_string()))?;
    let prev = map
        .get("prev")
        .and_then(Value::as_str)
        .ok_or_else(|| Unsound::Shape("it has no `prev` hash".to_string()))?
        .to_string();
    Ok(Link { seq, prev, hash })
}
