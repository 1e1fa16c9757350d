//! The config file: regions, profile, refresh intervals, workloads with their RPO and RTO,
//! theme. A missing file means defaults; a bad one is an error naming file, line and key.

use crate::accounts::{self, Account};
use crate::fleet::{Targets, Thresholds, Workload, Workloads};
use crate::tomlfile::{self, FileError};
use directories::ProjectDirs;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The example printed by `ripcord config example`, and checked by a test to parse.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// AWS profile to use; otherwise the standard credential chain decides.
    pub profile: Option<String>,
    /// Regions to poll. Empty: the region of the AWS environment.
    pub regions: Vec<String>,
    /// A built-in theme name (`dark`, `light`, `high-contrast`, `mono`) or a path to a theme file.
    pub theme: String,
    pub refresh: Refresh,
    pub defaults: Defaults,
    pub thresholds: Thresholds,
    #[serde(rename = "workload")]
    pub workloads: Vec<Workload>,
    /// Extra directories to look for runbooks in.
    pub runbook_dirs: Vec<PathBuf>,
    /// AWS accounts to watch (`[[account]]`); none: the one account of `profile` or the
    /// default credential chain.
    #[serde(rename = "account")]
    pub accounts: Vec<Account>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            profile: None,
            regions: Vec::new(),
            theme: "dark".to_string(),
            refresh: Refresh::default(),
            defaults: Defaults::default(),
            thresholds: Thresholds::default(),
            workloads: Vec::new(),
            runbook_dirs: Vec::new(),
            accounts: Vec::new(),
        }
    }
}

/// How often each kind of data is fetched. Data older than twice its interval is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Refresh {
    #[serde(with = "humantime_serde")]
    pub replicas: Duration,
    #[serde(with = "humantime_serde")]
    pub backups: Duration,
    #[serde(with = "humantime_serde")]
    pub health: Duration,
}

impl Default for Refresh {
    fn default() -> Self {
        // Lag and health are one-minute metrics; backup jobs change over hours and the
        // listings are paginated, so they are fetched less often.
        Self {
            replicas: Duration::from_secs(30),
            backups: Duration::from_secs(300),
            health: Duration::from_secs(30),
        }
    }
}

impl Refresh {
    /// The simulated fleet answers instantly and moves every second: refresh it briskly.
    pub fn demo() -> Self {
        Self {
            replicas: Duration::from_secs(2),
            backups: Duration::from_secs(10),
            health: Duration::from_secs(3),
        }
    }
}

/// Targets for resources that no workload claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Defaults {
    #[serde(with = "humantime_serde")]
    pub rpo: Duration,
    #[serde(with = "humantime_serde")]
    pub rto: Duration,
    #[serde(with = "humantime_serde")]
    pub backup_rpo: Duration,
}

impl Default for Defaults {
    fn default() -> Self {
        let d = Workloads::default().default_targets;
        Self {
            rpo: d.rpo,
            rto: d.rto,
            backup_rpo: d.backup_rpo,
        }
    }
}

impl Config {
    /// Loads the config: `path` if given (it must exist), otherwise the platform default
    /// location (where a missing file means defaults).
    pub fn load(explicit: Option<&Path>) -> Result<(Config, PathBuf), FileError> {
        let (path, text) = match explicit {
            Some(path) => (path.to_path_buf(), tomlfile::read_text(path)?),
            None => {
                let path = default_config_path();
                match tomlfile::read_optional_text(&path)? {
                    Some(text) => (path, text),
                    None => return Ok((Config::default(), path)),
                }
            }
        };
        Ok((Config::from_text(&path, &text)?, path))
    }

    /// Parses and checks a config file's text; `path` names it in errors.
    pub fn from_text(path: &Path, text: &str) -> Result<Config, FileError> {
        let cfg: Config = tomlfile::parse(path, text)?;
        cfg.validate(path, text)?;
        Ok(cfg)
    }

    /// Checks that serde cannot express: sensible intervals and thresholds, unique names.
    fn validate(&self, path: &Path, text: &str) -> Result<(), FileError> {
        let fail = |key: &str, message: String| FileError {
            path: path.to_path_buf(),
            position: tomlfile::locate_key(text, key),
            key: Some(key.to_string()),
            message,
        };
        for (key, d) in [
            ("refresh.replicas", self.refresh.replicas),
            ("refresh.backups", self.refresh.backups),
            ("refresh.health", self.refresh.health),
        ] {
            if d < Duration::from_secs(1) {
                return Err(fail(
                    key,
                    format!(
                        "refresh interval {} is too short; use at least 1s",
                        humantime::format_duration(d)
                    ),
                ));
            }
        }
        let t = &self.thresholds;
        for (key, v) in [
            ("thresholds.lag_warn_ratio", t.lag_warn_ratio),
            (
                "thresholds.recovery_point_warn_ratio",
                t.recovery_point_warn_ratio,
            ),
            ("thresholds.backup_success_warn", t.backup_success_warn),
            ("thresholds.backup_success_crit", t.backup_success_crit),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(fail(key, format!("{v} is outside 0.0 to 1.0")));
            }
        }
        if t.backup_success_crit > t.backup_success_warn {
            return Err(fail(
                "thresholds.backup_success_crit",
                "must not be above thresholds.backup_success_warn".to_string(),
            ));
        }
        for (i, w) in self.workloads.iter().enumerate() {
            if self.workloads[..i].iter().any(|other| other.name == w.name) {
                return Err(fail(
                    &format!("workload[{i}].name"),
                    format!("workload `{}` is defined twice", w.name),
                ));
            }
            if w.resources.is_empty() {
                return Err(fail(
                    &format!("workload[{i}].resources"),
                    format!("workload `{}` lists no resources", w.name),
                ));
            }
            let bad_pattern = w
                .resources
                .iter()
                .find_map(|r| glob::Pattern::new(r).err().map(|e| (r, e)));
            if let Some((pattern, e)) = bad_pattern {
                return Err(fail(
                    &format!("workload[{i}].resources"),
                    format!("`{pattern}` is not a valid pattern: {e}"),
                ));
            }
        }
        accounts::validate(&self.accounts, path, text)
    }

    /// The workloads and targets the evaluation uses. `fallback` (the simulated fleet's own
    /// workloads) applies only when the config defines none.
    pub fn workloads(&self, fallback: Vec<Workload>) -> Workloads {
        Workloads::new(
            if self.workloads.is_empty() {
                fallback
            } else {
                self.workloads.clone()
            },
            Targets {
                workload: None,
                rpo: self.defaults.rpo,
                rto: self.defaults.rto,
                backup_rpo: self.defaults.backup_rpo,
            },
            self.thresholds.clone(),
        )
    }
}

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "ripcord")
}

/// `RIPCORD_CONFIG`, or `config.toml` in the platform config directory.
pub fn default_config_path() -> PathBuf {
    if let Some(p) = std::env::var_os("RIPCORD_CONFIG").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    project_dirs().map_or_else(
        || PathBuf::from("ripcord.toml"),
        |d| d.config_dir().join("config.toml"),
    )
}

/// Where logs go: `RIPCORD_LOG_DIR`, else the platform state directory (data directory where
/// the platform has no state directory). Never the current directory.
pub fn log_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("RIPCORD_LOG_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    match project_dirs() {
        Some(d) => d
            .state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .join("logs"),
        None => std::env::temp_dir().join("ripcord-logs"),
    }
}

/// Where the audit log goes: `explicit` (`--audit-dir`, which also reads `RIPCORD_AUDIT_DIR`),
/// else the platform data directory (on Linux `~/.local/share/ripcord/audit`). Never the
/// current directory.
pub fn audit_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit.filter(|p| !p.as_os_str().is_empty()) {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("RIPCORD_AUDIT_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    match project_dirs() {
        Some(d) => d.data_dir().join("audit"),
        None => std::env::temp_dir().join("ripcord-audit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_parses_and_validates() {
        let cfg = Config::from_text(Path::new("config.example.toml"), EXAMPLE)
            .expect("example parses and is valid");
        assert!(!cfg.workloads.is_empty());
    }

    #[test]
    fn empty_file_is_all_defaults() {
        let cfg: Config = tomlfile::parse(Path::new("c.toml"), "").expect("empty is fine");
        assert_eq!(cfg, Config::default());
    }

    #[test]
    fn config_workloads_replace_the_fallback() {
        let sim_workload = Workload {
            name: "sim".into(),
            rpo: Duration::from_secs(1),
            rto: Duration::from_secs(1),
            backup_rpo: None,
            resources: vec!["*".into()],
            drill_every: None,
        };
        assert_eq!(
            Config::default()
                .workloads(vec![sim_workload.clone()])
                .list
                .len(),
            1
        );
        let cfg: Config =
            tomlfile::parse(Path::new("config.example.toml"), EXAMPLE).expect("parses");
        let w = cfg.workloads(vec![sim_workload]);
        assert!(w.list.iter().all(|w| w.name != "sim"));
    }

    mod hostile_input {
        //! Whatever a config file holds, loading it ends in a config or in an error that names
        //! the file (and a line inside it, when it names one); it never panics.
        use super::*;
        use proptest::prelude::*;

        fn check(text: &str) {
            let path = Path::new("hostile.toml");
            if let Err(e) = Config::from_text(path, text) {
                assert_eq!(e.path, path);
                if let Some((line, column)) = e.position {
                    let lines = text.split('\n').count();
                    assert!(line >= 1 && line <= lines, "line {line} of {lines}: {e}");
                    assert!(column >= 1, "{e}");
                }
                assert!(!e.message.is_empty(), "{e}");
            }
        }

        proptest! {
            #[test]
            fn any_text(text in "\\PC{0,300}") {
                check(&text);
            }

            #[test]
            fn the_example_cut_anywhere(at in 0usize..EXAMPLE.len()) {
                let cut = EXAMPLE.char_indices().map(|(i, _)| i).take_while(|i| *i <= at).last();
                check(&EXAMPLE[..cut.unwrap_or(0)]);
            }

            #[test]
            fn the_example_with_lines_dropped_or_doubled(
                edits in proptest::collection::vec((0usize..200, any::<bool>()), 1..6)
            ) {
                let mut lines: Vec<&str> = EXAMPLE.lines().collect();
                for (at, double) in edits {
                    let at = at % lines.len().max(1);
                    if lines.is_empty() { break; }
                    if double { lines.insert(at, lines[at]); } else { lines.remove(at); }
                }
                check(&lines.join("\n"));
            }

            #[test]
            fn toml_shaped_values_in_every_known_key(
                key in prop::sample::select(vec![
                    "theme", "profile", "regions", "refresh.replicas", "refresh.health",
                    "thresholds.lag_warn_ratio", "thresholds.backup_success_crit",
                ]),
                value in prop_oneof![
                    Just("\"\"".to_string()),
                    Just("-1".to_string()),
                    Just("1e309".to_string()),
                    Just("nan".to_string()),
                    Just("[[]]".to_string()),
                    Just("{a = 1}".to_string()),
                    Just("\"0s\"".to_string()),
                    Just("\"99999999999999999999h\"".to_string()),
                    "\"\\PC{0,20}\"",
                ],
            ) {
                let text = match key.split_once('.') {
                    Some((table, leaf)) => format!("[{table}]\n{leaf} = {value}\n"),
                    None => format!("{key} = {value}\n"),
                };
                check(&text);
            }
        }
    }
}
