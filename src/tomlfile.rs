//! Reading TOML files that people write by hand, with errors that point at the line and key.

use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};

/// A file that could not be used, and exactly where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem is at a place in the file.
    pub position: Option<(usize, usize)>,
    /// The dotted key the problem is under, e.g. `refresh.replicas` or `workload[0].rpo`.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Reads `path`'s text. `Ok(None)` when the file does not exist.
pub fn read_optional_text(path: &Path) -> Result<Option<String>, FileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FileError {
            path: path.to_path_buf(),
            position: None,
            key: None,
            message: format!("cannot read: {e}"),
        }),
    }
}

/// Reads `path`'s text; the file must exist.
pub fn read_text(path: &Path) -> Result<String, FileError> {
    read_optional_text(path)?.ok_or_else(|| FileError {
        path: path.to_path_buf(),
        position: None,
        key: None,
        message: "no such file".to_string(),
    })
}

/// Parses `text` (the contents of `path`, named in errors).
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, FileError> {
    let located =
        |span: Option<std::ops::Range<usize>>, key: Option<String>, message: &str| FileError {
            path: path.to_path_buf(),
            position: span.map(|s| line_column(text, s.start)),
            key,
            message: tidy(message),
        };
    let deserializer =
        toml::Deserializer::parse(text).map_err(|e| located(e.span(), None, e.message()))?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let key = (path != "." && !path.is_empty()).then_some(path);
        let inner = e.into_inner();
        located(inner.span(), key, inner.message())
    })
}

/// serde's messages end in newlines; keep them to one line, and say what a duration looks like.
fn tidy(message: &str) -> String {
    let mut text = message.trim().replace('\n', "; ");
    if text.ends_with("expected a duration") {
        text.push_str(" such as \"30s\", \"5m\" or \"1h\"");
    }
    text
}

/// Finds the line and column where a dotted key (`refresh.health`, `workload[1].name`) is set,
/// for checks made after parsing, which serde cannot locate. Handles the plain table and
/// array-of-tables layout that config files use; `None` when the key is written another way.
pub fn locate_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let (table, leaf) = key.rsplit_once('.').unwrap_or(("", key));
    let (table_name, index) = match table.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (table, None),
    };
    let mut seen_of_table = 0usize;
    let mut in_target = table_name.is_empty();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(header) = trimmed
            .strip_prefix("[[")
            .and_then(|h| h.split_once("]]"))
            .map(|(h, _)| h.trim())
        {
            in_target = header == table_name && index == Some(seen_of_table);
            if header == table_name {
                seen_of_table += 1;
            }
            continue;
        }
        if let Some(header) = trimmed
            .strip_prefix('[')
            .and_then(|h| h.split_once(']'))
            .map(|(h, _)| h.trim())
        {
            in_target = header == table_name && index.is_none();
            continue;
        }
        if in_target {
            let name = trimmed.split('=').next().map(str::trim).unwrap_or("");
            if name == leaf {
                let column = line.len() - line.trim_start().len() + 1;
                return Some((n + 1, column));
            }
        }
    }
    None
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn type_errors_name_line_column_and_key() {
        let err = parse::<Doc>(
            Path::new("x.toml"),
            "name = \"a\"\n[inner]\ncount = \"three\"\n",
        )
        .expect_err("bad type");
        assert_eq!(err.position, Some((3, 9)));
        assert_eq!(err.key.as_deref(), Some("inner.count"));
        assert!(
            err.to_string()
                .starts_with("x.toml:3:9: key `inner.count`: invalid type"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse::<Doc>(Path::new("x.toml"), "name = \"a\"\ninner = {count = \n")
            .expect_err("bad syntax");
        assert_eq!(err.position.map(|p| p.0), Some(2));
    }

    #[test]
    fn locates_keys_after_the_fact() {
        let text = "theme = \"x\"\n[refresh]\nreplicas = \"1s\"\nhealth = \"1ms\"\n[[workload]]\nname = \"a\"\n[[workload]]\n  name = \"a\"\n";
        assert_eq!(locate_key(text, "theme"), Some((1, 1)));
        assert_eq!(locate_key(text, "refresh.health"), Some((4, 1)));
        assert_eq!(locate_key(text, "workload[0].name"), Some((6, 1)));
        assert_eq!(locate_key(text, "workload[1].name"), Some((8, 3)));
        assert_eq!(locate_key(text, "refresh.backups"), None);
    }

    #[test]
    fn missing_file_is_none() {
        assert!(
            read_optional_text(Path::new("/nonexistent/ripcord.toml"))
                .expect("ok")
                .is_none()
        );
    }
}
