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
        reaches_within("", layer)
    }

    /// Every module right under `crate::<parent>` (`parent` a path such as `runbook`, or
    /// empty for the top) that product code under `src/<parent>/<unit>` names.
    fn reaches_within(parent: &str, unit: &str) -> Vec<(String, String)> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(parent);
        let mut all = Vec::new();
        let file = src.join(format!("{unit}.rs"));
        if file.is_file() {
            all.push(file);
        }
        if src.join(unit).is_dir() {
            files(&src.join(unit), &mut all);
        }
        let prefix = if parent.is_empty() {
            "crate::".to_string()
        } else {
            format!("crate::{}::", parent.replace('/', "::"))
        };
        let test_only = test_only_modules();
        let mut found = Vec::new();
        for path in all {
            if path.components().any(|c| {
                c.as_os_str() == "tests"
                    || c.as_os_str() == "tests.rs"
                    || test_only.iter().any(|t| t == c.as_os_str())
            }) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable");
            let product = text.split("#[cfg(test)]").next().unwrap_or("");
            for line in product
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
            {
                for (at, _) in line.match_indices(prefix.as_str()) {
                    let module: String = line[at + prefix.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    found.push((path.display().to_string(), module));
                }
            }
        }
        found
    }

    /// File names of modules declared only for tests (`#[cfg(test)] mod NAME;`), such as
    /// `hostile_input.rs`: test code, which may reach anywhere.
    fn test_only_modules() -> Vec<std::ffi::OsString> {
        let mut all = Vec::new();
        files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut all);
        let mut names = Vec::new();
        for path in all {
            let text = std::fs::read_to_string(&path).expect("readable");
            let mut lines = text.lines().map(str::trim);
            while let Some(line) = lines.next() {
                if line == "#[cfg(test)]"
                    && let Some(name) = lines
                        .next()
                        .and_then(|l| l.strip_prefix("mod "))
                        .and_then(|l| l.strip_suffix(';'))
                {
                    names.push(format!("{name}.rs").into());
                }
            }
        }
        names
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

    /// The modules right under `src/<parent>` (empty: the top): its folders and its files.
    fn units(parent: &str) -> Vec<String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(parent);
        let mut units: Vec<String> = std::fs::read_dir(&src)
            .expect("a folder under src/")
            .map(|e| e.expect("an entry").path())
            .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
            .filter(|name| !["lib", "mod", "main", "tests"].contains(&name.as_str()))
            .collect();
        units.sort();
        units.dedup();
        units
    }

    /// Every folder under `src/` that holds a folder: where modules of different folders meet.
    fn folders_with_folders(parent: &str, out: &mut Vec<String>) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(parent);
        let mut any = false;
        for entry in std::fs::read_dir(&src).expect("a folder under src/") {
            let path = entry.expect("an entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() && name != "tests" {
                any = true;
                let child = if parent.is_empty() {
                    name.to_string()
                } else {
                    format!("{parent}/{name}")
                };
                folders_with_folders(&child, out);
            }
        }
        if any {
            out.push(parent.to_string());
        }
    }

    /// No two top-level modules point at each other, directly or round a longer loop: the
    /// `use` lines of product code make a graph without cycles.
    #[test]
    fn no_cycle_between_folders() {
        let mut parents = Vec::new();
        folders_with_folders("", &mut parents);
        assert!(parents.contains(&"runbook".to_string()), "{parents:?}");
        let cycles: Vec<String> = parents
            .iter()
            .filter_map(|parent| Some(format!("src/{parent}: {}", cycle_among(parent)?)))
            .collect();
        assert!(
            cycles.is_empty(),
            "modules in a cycle:\n{}",
            cycles.join("\n")
        );
    }

    /// A loop among the modules right under `src/<parent>`, if there is one.
    fn cycle_among(parent: &str) -> Option<String> {
        let units = units(parent);
        let edges: Vec<(String, Vec<String>)> = units
            .iter()
            .map(|u| {
                let mut to: Vec<String> = reaches_within(parent, u)
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
        units
            .iter()
            .find_map(|u| walk(u, &mut Vec::new(), &mut done, &next))
    }
}
