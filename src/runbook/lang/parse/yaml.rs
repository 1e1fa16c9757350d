//! The YAML of front matter and `ripcord` blocks (serde-saphyr), with positions kept for
//! the messages: a problem is named at its line and column in the Markdown file.

use super::Origin;
use crate::runbook::lang::model::{Diagnostic, Pos};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::ops::Range;

/// A YAML mapping read in the order it was written (parameters show in the order declared).
#[derive(Debug, Clone)]
pub struct Pairs<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for Pairs<K, V> {
    fn default() -> Self {
        Pairs(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Pairs<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<K, V> {
            type Value = Pairs<K, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of names to values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    pairs.push(entry);
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// The front matter as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFront {
    pub title: Spanned<String>,
    #[serde(default)]
    pub summary: Option<String>,
    pub rto: Spanned<String>,
    #[serde(default)]
    pub rpo: Option<Spanned<String>>,
    /// The workload (a `[[workload]]` name in the config) this runbook recovers: its drills
    /// are that workload's readiness evidence.
    #[serde(default)]
    pub workload: Option<Spanned<String>>,
    #[serde(default)]
    pub parameters: Pairs<Spanned<String>, RawParam>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    #[serde(default)]
    pub description: String,
    #[serde(rename = "type", default)]
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub default: Option<Spanned<String>>,
    #[serde(default)]
    pub secret: bool,
}

/// A `ripcord` block as written: keys and values, in order, with their places.
pub type RawSpec = Pairs<Spanned<String>, Spanned<String>>;

/// Parses YAML that sits at `origin` in `file`, with any error placed in the file.
pub fn yaml<T: for<'de> Deserialize<'de>>(
    file: &str,
    origin: Origin,
    text: &str,
) -> Result<T, Diagnostic> {
    serde_saphyr::from_str::<T>(text).map_err(|e| {
        let pos = e
            .location()
            .map_or(origin.at(1, 1), |loc| origin.at_yaml(&loc));
        let offset = e
            .location()
            .and_then(|l| l.span().byte_offset())
            .and_then(|o| usize::try_from(o).ok());
        Diagnostic {
            file: file.to_string(),
            pos,
            message: yaml_message(&e.without_snippet().to_string(), text, offset),
        }
    })
}

/// serde-saphyr's message without its own position (ours is the file's), in plain words,
/// with a hint for the classic mistake of an unquoted `{{param}}`.
fn yaml_message(raw: &str, text: &str, offset: Option<usize>) -> String {
    let mut message = match raw.rfind(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw.to_string(),
    };
    let unquoted_template = offset
        .and_then(|o| text.get(o..))
        .is_some_and(|rest| rest.starts_with("{{"));
    if unquoted_template {
        return "bad YAML: an unquoted {{ starts a YAML mapping: quote the value, as in replica: \"{{replica}}\"".to_string();
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return format!("`{key}` is given twice: keep one");
    }
    if message.starts_with("unknown field") {
        // "unknown field `titel`, expected one of title, summary": suggest the nearest.
        let field = message.split('`').nth(1).unwrap_or("");
        let known = message
            .split_once("expected one of ")
            .map(|(_, list)| list.to_string())
            .unwrap_or_default();
        let hint = crate::runbook::lang::vocab::closest(field, known.split(", ").map(str::trim))
            .map(|c| format!("did you mean `{c}`? "))
            .unwrap_or_default();
        return format!("unknown key `{field}`: {hint}the keys here are {known}");
    }
    if message.starts_with("missing field")
        || message.starts_with("invalid type")
        || message.starts_with("invalid value")
    {
        return message.replace("missing field", "missing key");
    }
    if message == "expected string scalar" {
        message = "expected a single value here (text, a number, true or false)".to_string();
    }
    format!("bad YAML: {message}")
}

/// The position of a spanned YAML value inside a text placed at `origin`.
pub fn spanned_pos<T>(origin: Origin, value: &Spanned<T>) -> Pos {
    origin.at_yaml(&value.referenced)
}

/// The byte offset of a spanned YAML value inside its text, when known.
pub fn spanned_offset<T>(value: &Spanned<T>) -> Option<usize> {
    usize::try_from(value.referenced.span().byte_offset()?).ok()
}

/// The byte range of a spanned YAML value inside its text, when known.
pub fn spanned_range<T>(value: &Spanned<T>) -> Option<Range<usize>> {
    let span = value.referenced.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len().unwrap_or(0)).ok()?;
    Some(start..start + len)
}
