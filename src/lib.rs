//! ripcord: a terminal disaster-recovery cockpit for AWS.
//!
//! The library holds everything but the terminal plumbing, so tests drive `App` and the UI
//! without a terminal. See docs/ARCHITECTURE.md for the layers and the two flows of data.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod cockpit;
pub mod config;
pub mod effects;
pub mod fleet;
pub mod logging;
pub mod poll;
pub mod runbook;
pub mod source;
pub mod status;
pub mod theme;
pub mod tomlfile;
pub mod tui;
pub mod ui;

#[cfg(test)]
mod layers {
    //! The layers point down: the domain model and the runbook engine know nothing of the app,
    //! the screen or the runner; the audit log speaks runbook types only (the runner's gate,
    //! `effects`, joins it to the app). A `use` that points back up fails here, naming the
    //! file. Test code (after `#[cfg(test)]`) may reach anywhere.

    use std::path::{Path, PathBuf};

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a readable directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every `crate::<module>` that product code under `src/<layer>` names.
    fn reaches(layer: &str) -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(layer);
        let mut all = Vec::new();
        files(&root, &mut all);
        let mut found = Vec::new();
        for path in all {
            if path.components().any(|c| c.as_os_str() == "tests") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            let product = text.split("#[cfg(test)]").next().unwrap_or("");
            for line in product
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
            {
                for (at, _) in line.match_indices("crate::") {
                    let module: String = line[at + "crate::".len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    found.push((path.display().to_string(), module));
                }
            }
        }
        found
    }

    #[test]
    fn no_layer_reaches_up() {
        let runner = [
            "app", "ui", "cockpit", "effects", "status", "poll", "tui", "main",
        ];
        let rules: [(&str, &[&str]); 4] = [
            ("audit", &runner),
            ("runbook", &[&runner[..], &["source"]].concat()),
            ("source", &[&runner[..], &["audit"]].concat()),
            (
                "fleet",
                &[&runner[..], &["audit", "runbook", "source"]].concat(),
            ),
        ];
        let mut wrong = Vec::new();
        for (layer, forbidden) in rules {
            for (file, module) in reaches(layer) {
                if forbidden.contains(&module.as_str()) {
                    wrong.push(format!("{file} uses crate::{module}"));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "layers that point up:\n{}",
            wrong.join("\n")
        );
    }
}
