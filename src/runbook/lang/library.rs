//! Where runbooks come from: the ones shipped in `runbooks/` (built into the binary, so the
//! cockpit has them on any machine) and the `.md` files in the config's `runbook_dirs`.

use crate::runbook::lang::check;
use crate::runbook::lang::model::{Diagnostic, Runbook};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The shipped runbooks, by name.
pub const SHIPPED: [(&str, &str); 4] = [
    (
        "rds-cross-region-failover",
        include_str!("../../../runbooks/rds-cross-region-failover.md"),
    ),
    (
        "aurora-global-failover",
        include_str!("../../../runbooks/aurora-global-failover.md"),
    ),
    (
        "backup-restore-drill",
        include_str!("../../../runbooks/backup-restore-drill.md"),
    ),
    (
        "route53-failover-flip",
        include_str!("../../../runbooks/route53-failover-flip.md"),
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub origin: Origin,
    /// The file as messages name it.
    pub file: String,
    pub loaded: Result<Arc<Runbook>, Vec<Diagnostic>>,
}

impl Entry {
    pub fn title(&self) -> String {
        match &self.loaded {
            Ok(book) => book.title.clone(),
            Err(problems) => format!(
                "(broken: {} problem{})",
                problems.len(),
                plural(problems.len())
            ),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Every runbook ripcord knows, in the order `list` shows them.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub entries: Vec<Entry>,
    /// Directories that could not be read, with why.
    pub unreadable: Vec<String>,
}

impl Library {
    pub fn shipped() -> Library {
        Library {
            entries: SHIPPED
                .iter()
                .map(|(name, text)| {
                    let file = format!("runbooks/{name}.md");
                    Entry {
                        name: name.to_string(),
                        origin: Origin::BuiltIn,
                        loaded: check::load(name, &file, text).map(Arc::new),
                        file,
                    }
                })
                .collect(),
            unreadable: Vec::new(),
        }
    }

    /// The shipped runbooks plus every `*.md` (but README.md) in `dirs`. A file with the
    /// name of a shipped runbook replaces it: a team's own version wins.
    pub fn load(dirs: &[PathBuf]) -> Library {
        let mut library = Library::shipped();
        for dir in dirs {
            let listing = match std::fs::read_dir(dir) {
                Ok(listing) => listing,
                Err(e) => {
                    library.unreadable.push(format!(
                        "{}: cannot read the runbook directory: {e}",
                        dir.display()
                    ));
                    continue;
                }
            };
            let mut paths: Vec<PathBuf> = listing
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "md")
                        && p.file_name().is_some_and(|n| n != "README.md")
                })
                .collect();
            paths.sort();
            for path in paths {
                let entry = read_file(&path);
                library.entries.retain(|e| e.name != entry.name);
                library.entries.push(entry);
            }
        }
        library
    }

    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Which workload each runbook recovers (its front matter's `workload:`), for readiness:
    /// the drills of these runbooks are the workload's evidence.
    pub fn serving(&self) -> Vec<crate::fleet::readiness::Serving> {
        self.entries
            .iter()
            .filter_map(|e| {
                let book = e.loaded.as_ref().ok()?;
                Some(crate::fleet::readiness::Serving {
                    runbook: e.name.clone(),
                    workload: book.workload.clone()?,
                })
            })
            .collect()
    }

    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }
}

/// The name a file's runbook goes by: its file name without `.md`.
pub fn name_of(path: &Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// Reads and checks one runbook file.
pub fn read_file(path: &Path) -> Entry {
    let name = name_of(path);
    let file = path.display().to_string();
    let loaded = match std::fs::read_to_string(path) {
        Ok(text) => check::load(&name, &file, &text).map(Arc::new),
        Err(e) => Err(vec![Diagnostic {
            file: file.clone(),
            pos: crate::runbook::lang::model::Pos::new(1, 1),
            message: format!("cannot read the file: {e}"),
        }]),
    };
    Entry {
        name,
        origin: Origin::File(path.to_path_buf()),
        file,
        loaded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_runbook_passes_its_checks() {
        for entry in Library::shipped().entries {
            if let Err(problems) = &entry.loaded {
                let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
                panic!("{} has problems:\n{}", entry.name, text.join("\n"));
            }
        }
    }

    #[test]
    fn a_directory_runbook_replaces_a_shipped_one_of_the_same_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("route53-failover-flip.md"),
            "---\ntitle: Ours\nrto: 5m\n---\n## Only step\n\nDo it.\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("README.md"), "not a runbook").expect("write");
        let library = Library::load(&[dir.path().to_path_buf(), PathBuf::from("/nonexistent")]);
        let ours = library.find("route53-failover-flip").expect("present");
        assert_eq!(ours.title(), "Ours");
        assert_eq!(library.entries.len(), SHIPPED.len());
        assert_eq!(library.unreadable.len(), 1);
    }
}
