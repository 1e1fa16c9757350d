//! ripcord: a terminal disaster-recovery cockpit for AWS.
//!
//! The library holds everything but the terminal plumbing, so tests drive `App` and the UI
//! without a terminal. See docs/ARCHITECTURE.md for the layers and the two flows of data.

pub mod accounts;
pub mod app;
pub mod assemble;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod cockpit;
pub mod config;
pub mod effects;
pub mod fleet;
pub mod logging;
pub mod placement;
pub mod poll;
pub mod runbook;
pub mod source;
pub mod status;
pub mod testhook;
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

    /// Every `crate::<module>` that product code under `src/<layer>` (a folder, or the file
    /// `src/<layer>.rs`) names.
    fn reaches(layer: &str) -> Vec<(String, String)> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut all = Vec::new();
        let file = src.join(format!("{layer}.rs"));
        if file.is_file() {
            all.push(file);
        }
        if src.join(layer).is_dir() {
            files(&src.join(layer), &mut all);
        }
        let mut found = Vec::new();
        for path in all {
            if path
                .components()
                .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "tests.rs")
            {
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
            "app",
            "assemble",
            "ui",
            "cockpit",
            "effects",
            "status",
            "poll",
            "tui",
            "main",
            "placement",
        ];
        let rules: [(&str, &[&str]); 4] = [
            ("audit", &runner),
            ("runbook", &[&runner[..], &["source", "audit"]].concat()),
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

    /// The top-level modules of `src/`: its folders and its files.
    fn units() -> Vec<String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut units: Vec<String> = std::fs::read_dir(&src)
            .expect("src/")
            .map(|e| e.expect("an entry").path())
            .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
            .filter(|name| name != "lib")
            .collect();
        units.sort();
        units.dedup();
        units
    }

    /// No two top-level modules point at each other, directly or round a longer loop: the
    /// `use` lines of product code make a graph without cycles.
    #[test]
    fn no_cycle_between_folders() {
        let units = units();
        let edges: Vec<(String, Vec<String>)> = units
            .iter()
            .map(|u| {
                let mut to: Vec<String> = reaches(u)
                    .into_iter()
                    .map(|(_, m)| m)
                    .filter(|m| m != u && units.contains(m))
                    .collect();
                to.sort();
                to.dedup();
                (u.clone(), to)
            })
            .collect();
        let next = |u: &str| -> &[String] {
            edges
                .iter()
                .find(|(from, _)| from == u)
                .map_or(&[], |(_, to)| to.as_slice())
        };
        // Depth-first from every module; a module met again on the current path is a cycle.
        fn walk<'a>(
            u: &'a str,
            path: &mut Vec<&'a str>,
            done: &mut Vec<&'a str>,
            next: &dyn Fn(&str) -> &'a [String],
        ) -> Option<String> {
            if let Some(at) = path.iter().position(|p| *p == u) {
                return Some(format!("{} -> {u}", path[at..].join(" -> ")));
            }
            if done.contains(&u) {
                return None;
            }
            path.push(u);
            for v in next(u) {
                if let Some(cycle) = walk(v, path, done, next) {
                    return Some(cycle);
                }
            }
            path.pop();
            done.push(u);
            None
        }
        let mut done = Vec::new();
        for u in &units {
            let cycle = walk(u, &mut Vec::new(), &mut done, &next);
            assert!(
                cycle.is_none(),
                "modules in a cycle: {}",
                cycle.unwrap_or_default()
            );
        }
    }
}
