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

/// Reads and parses `path`. `Ok(None)` when the file does not exist.
pub fn read_optional<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, FileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FileError { path: path.to_path_buf(), position: None, key: None, message: format!("cannot read: {e}") }),
    }
}

/// Reads and parses `path`, which must exist.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<T, FileError> {
    read_optional(path)?.ok_or_else(|| FileError {
        path: path.to_path_buf(),
        position: None,
        key: None,
        message: "no such file".to_string(),
    })
}

/// Parses `text` (the contents of `path`, named in errors).
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, FileError> {
    let located = |span: Option<std::ops::Range<usize>>, key: Option<String>, message: &str| FileError {
        path: path.to_path_buf(),
        position: span.map(|s| line_column(text, s.start)),
        key,
        message: tidy(message),
    };
    let deserializer = toml::Deserializer::parse(text).map_err(|e| located(e.span(), None, e.message()))?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let key = (path != "." && !path.is_empty()).then_some(path);
        let inner = e.into_inner();
        located(inner.span(), key, inner.message())
    })
}

/// serde's messages end in newlines and quote types the way Rust does; keep them to one line.
fn tidy(message: &str) -> String {
    message.trim().replace('\n', "; ")
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
        let err = parse::<Doc>(Path::new("x.toml"), "name = \"a\"\n[inner]\ncount = \"three\"\n").expect_err("bad type");
        assert_eq!(err.position, Some((3, 9)));
        assert_eq!(err.key.as_deref(), Some("inner.count"));
        assert!(err.to_string().starts_with("x.toml:3:9: key `inner.count`: invalid type"), "{err}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse::<Doc>(Path::new("x.toml"), "name = \"a\"\ninner = {count = \n").expect_err("bad syntax");
        assert_eq!(err.position.map(|p| p.0), Some(2));
    }

    #[test]
    fn missing_file_is_none() {
        assert!(read_optional::<Doc>(Path::new("/nonexistent/ripcord.toml")).expect("ok").is_none());
    }
}
