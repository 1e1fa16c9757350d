//! Turning a parsed document into a runbook, refusing anything that could go wrong at 3 a.m.:
//! bad YAML, unknown actions or conditions, missing or unknown arguments, unknown `{{param}}`s,
//! parameters pasted into shell text, more than one executable block in a step, jumps to
//! nowhere, steps that can never be reached. Every problem is `file:line:column: message`,
//! and says what to change.

use crate::runbook::lang::model::{
    ActionStep, Args, Diagnostic, GateStep, ParamDecl, Pattern, Pos, ProbeSpec, Runbook, ShellStep,
    Step, StepBody, Target, Template, WaitStep, env_var_for,
};
use crate::runbook::lang::params::ParamKind;
use crate::runbook::lang::parse::{
    self, Block, BlockLang, Document, Origin, RawFront, RawSpec, spanned_pos, spanned_range,
};
use crate::runbook::lang::template;
use crate::runbook::lang::vocab::{ActionKind, ArgSpec, ProbeKind, closest};
use serde_saphyr::Spanned;
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

mod block;
#[cfg(test)]
mod hostile_input;
mod shell;

/// How long a `wait` may take when the runbook does not say.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// How long a shell step may run when the runbook does not say.
pub const DEFAULT_SHELL_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Reads and checks a runbook. `name` is what `:run NAME` calls it; `file` is how messages
/// name the file.
pub fn load(name: &str, file: &str, text: &str) -> Result<Runbook, Vec<Diagnostic>> {
    let sha256 = hex::encode(sha2::Sha256::digest(text.as_bytes()));
    let text = &parse::lone_returns_as_line_feeds(text);
    let doc = parse::document(file, text);
    let mut checker = Checker {
        file: file.to_string(),
        sha256,
        lines: parse::Lines::new(text),
        problems: doc.problems.clone(),
    };
    let book = checker.runbook(name, &doc);
    if checker.problems.is_empty() {
        Ok(book)
    } else {
        checker.problems.sort_by_key(|d| d.pos);
        checker.problems.dedup();
        Err(checker.problems)
    }
}

struct Checker<'t> {
    file: String,
    /// Of the file as it was read, before any line end was changed.
    sha256: String,
    /// Where each line of `text` starts, to find a line without reading the file again.
    lines: parse::Lines<'t>,
    problems: Vec<Diagnostic>,
}

/// A `next:` or `otherwise:` as written, before step ids are known.
struct Jump {
    to: String,
    pos: Pos,
}

impl Checker<'_> {
    fn problem(&mut self, pos: Pos, message: impl Into<String>) {
        self.problems.push(Diagnostic {
            file: self.file.clone(),
            pos,
            message: message.into(),
        });
    }

    fn runbook(&mut self, name: &str, doc: &Document) -> Runbook {
        let mut book = Runbook {
            name: name.to_string(),
            file: self.file.clone(),
            sha256: self.sha256.clone(),
            title: doc.heading.clone().unwrap_or_default(),
            summary: String::new(),
            rto: Duration::ZERO,
            rpo: None,
            workload: None,
            params: Vec::new(),
            intro: doc.intro.clone(),
            steps: Vec::new(),
        };
        if let Some(front) = &doc.front {
            let origin = Origin {
                first_line: front.first_line,
                indent: 0,
            };
            match parse::yaml::<RawFront>(&self.file, origin, &front.text) {
                Ok(raw) => self.front_matter(&mut book, origin, raw),
                Err(d) => self.problems.push(d),
            }
        }
        for block in &doc.stray_blocks {
            self.problem(
                block.fence,
                "executable block before the first step: put it under a `## Step title` heading",
            );
        }
        if doc.sections.is_empty() && !doc.unclosed {
            let line = doc
                .front
                .as_ref()
                .map_or(1, |f| f.first_line + f.text.lines().count() + 1);
            self.problem(
                Pos::new(line, 1),
                "the runbook has no steps: add a `## Step title` heading for each step",
            );
            return book;
        }
        let ids = step_ids(&doc.sections);
        // Each step's index by its anchor (the first, should two share one), so that resolving
        // a jump does not search every step.
        let mut index_of: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            index_of.entry(id.as_str()).or_insert(index);
        }
        let mut jumps: Vec<(Option<Jump>, Option<Jump>)> = Vec::new();
        for (section, id) in doc.sections.iter().zip(&ids) {
            let (body, next, otherwise) = self.step_body(&book, section);
            self.checklist_only_in_manual_steps(section, &body);
            jumps.push((next, otherwise));
            book.steps.push(Step {
                id: id.clone(),
                title: section.title.clone(),
                pos: section.pos,
                prose: section.prose.clone(),
                checklist: section.checklist.clone(),
                body,
                next: None,
            });
        }
        for (index, (next, otherwise)) in jumps.into_iter().enumerate() {
            if let Some(jump) = next {
                book.steps[index].next = self.target(&ids, &index_of, index, &jump);
            }
            if let Some(jump) = otherwise {
                let target = self.target(&ids, &index_of, index, &jump);
                if let StepBody::Gate(g) = &mut book.steps[index].body {
                    g.otherwise = target;
                }
            }
        }
        self.reachability(&book);
        book
    }

    /// Only a manual step shows its `- [ ]` items and waits for each to be ticked; on any
    /// other step they would be silently dropped, so they are refused.
    fn checklist_only_in_manual_steps(&mut self, section: &parse::Section, body: &StepBody) {
        if matches!(body, StepBody::Manual) {
            return;
        }
        let article = if matches!(body, StepBody::Action(_)) {
            "an"
        } else {
            "a"
        };
        for (item, pos) in section.checklist.iter().zip(&section.checklist_at) {
            self.problem(
                *pos,
                format!(
                    "`- [ ] {item}`: checklist items belong to manual steps (steps without a block), and this is {article} {} step, which would not show or enforce them: move them into a manual step of their own",
                    body.word()
                ),
            );
        }
    }

    fn front_matter(&mut self, book: &mut Runbook, origin: Origin, raw: RawFront) {
        book.title = raw.title.value.trim().to_string();
        if book.title.is_empty() {
            self.problem(
                spanned_pos(origin, &raw.title),
                "the title is empty: say what the runbook does",
            );
        }
        book.summary = raw.summary.unwrap_or_default().trim().to_string();
        book.rto = self
            .duration(origin, &raw.rto, "rto")
            .unwrap_or(Duration::ZERO);
        book.rpo = raw
            .rpo
            .as_ref()
            .and_then(|rpo| self.duration(origin, rpo, "rpo"));
        if let Some(w) = &raw.workload {
            let name = w.value.trim();
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if plain {
                book.workload = Some(name.to_string());
            } else {
                self.problem(
                    spanned_pos(origin, w),
                    format!(
                        "workload `{}` is not a workload name: give the `name` of a `[[workload]]` in the config (letters, digits, - _ .)",
                        w.value
                    ),
                );
            }
        }
        let mut seen = BTreeSet::new();
        for (key, p) in raw.parameters.0 {
            let pos = spanned_pos(origin, &key);
            let name = key.value.clone();
            if !template::is_param_name(&name) {
                self.problem(
                    pos,
                    format!(
                        "parameter name `{name}` must be lower-case letters, digits and _, starting with a letter (it becomes the shell variable {})",
                        env_var_for(&name.to_ascii_lowercase().replace('-', "_"))
                    ),
                );
                continue;
            }
            if !seen.insert(name.clone()) {
                self.problem(pos, format!("parameter `{name}` is declared twice"));
                continue;
            }
            let kind = match &p.kind {
                None => ParamKind::String,
                Some(k) => match ParamKind::parse(&k.value) {
                    Some(kind) => kind,
                    None => {
                        let known: Vec<&str> = ParamKind::ALL.iter().map(|k| k.name()).collect();
                        self.problem(
                            spanned_pos(origin, k),
                            format!(
                                "unknown parameter type `{}`: use one of {}",
                                k.value,
                                known.join(", ")
                            ),
                        );
                        continue;
                    }
                },
            };
            let pattern = match &p.pattern {
                None => None,
                Some(source) => {
                    // Anchored: a pattern describes the whole value, not a part of it.
                    match regex_lite::Regex::new(&format!("^(?:{})$", source.value)) {
                        Ok(regex) => Some(Pattern {
                            source: source.value.clone(),
                            regex,
                        }),
                        Err(e) => {
                            self.problem(
                                spanned_pos(origin, source),
                                format!(
                                    "pattern of `{name}` is not a valid regular expression: {}",
                                    e.to_string().lines().last().unwrap_or("invalid")
                                ),
                            );
                            continue;
                        }
                    }
                }
            };
            if p.required == Some(true) && p.default.is_some() {
                self.problem(
                    pos,
                    format!(
                        "parameter `{name}` is required but has a default: drop `required: true` or the default"
                    ),
                );
            }
            let decl = ParamDecl {
                name: name.clone(),
                description: p.description.trim().to_string(),
                kind,
                pattern,
                required: p.required.unwrap_or(p.default.is_none()),
                default: p.default.as_ref().map(|d| d.value.clone()),
                secret: p.secret,
                pos,
            };
            if let Some(default) = &p.default
                && let Err(why) = crate::runbook::lang::params::check_value(&decl, &default.value)
            {
                self.problem(
                    spanned_pos(origin, default),
                    format!("default of `{name}`: {why}"),
                );
            }
            book.params.push(decl);
        }
    }

    fn duration(&mut self, origin: Origin, value: &Spanned<String>, key: &str) -> Option<Duration> {
        match humantime::parse_duration(value.value.trim()) {
            Ok(d) => Some(d),
            Err(_) => {
                self.problem(
                    spanned_pos(origin, value),
                    format!(
                        "`{key}: {}` is not a duration: write it like 30s, 15m or 1h",
                        value.value
                    ),
                );
                None
            }
        }
    }

    fn step_body(
        &mut self,
        book: &Runbook,
        section: &parse::Section,
    ) -> (StepBody, Option<Jump>, Option<Jump>) {
        for extra in section.blocks.iter().skip(1) {
            self.problem(
                extra.fence,
                format!(
                    "step `{}` has more than one executable block: a step runs at most one; split it into two `##` steps",
                    section.title
                ),
            );
        }
        match section.blocks.first() {
            None => (StepBody::Manual, None, None),
            Some(block) if block.lang == BlockLang::Sh => (self.shell(book, block), None, None),
            Some(block) => self.spec(book, block),
        }
    }

    fn target(
        &mut self,
        ids: &[String],
        index_of: &HashMap<&str, usize>,
        from: usize,
        jump: &Jump,
    ) -> Option<Target> {
        if jump.to == "end" {
            return Some(Target::End);
        }
        let wanted = jump.to.trim_start_matches('#');
        parse::effort::add(1);
        match index_of.get(wanted).copied() {
            Some(index) if index > from => Some(Target::Step(index)),
            Some(_) => {
                self.problem(
                    jump.pos,
                    format!(
                        "`{}` is this step or an earlier one: runbooks only jump forward (a failed step is retried with r)",
                        jump.to
                    ),
                );
                None
            }
            None => {
                let hint = closest(wanted, ids.iter().map(String::as_str))
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                self.problem(
                    jump.pos,
                    format!(
                        "`{}` names no step: {hint}use a step's anchor ({}) or `end`",
                        jump.to,
                        ids.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn reachability(&mut self, book: &Runbook) {
        let reached = reachable(book);
        for (i, step) in book.steps.iter().enumerate() {
            if !reached[i] {
                self.problem(
                    step.pos,
                    format!(
                        "step `{}` can never be reached: the steps before it jump past it; point a `next:` or `otherwise:` at `{}`, or remove it",
                        step.title, step.id
                    ),
                );
            }
        }
    }
}

/// Where a step goes when it is done or skipped.
pub fn successor(book: &Runbook, index: usize) -> Target {
    match book.steps.get(index).and_then(|s| s.next) {
        Some(target) => target,
        None if index + 1 < book.steps.len() => Target::Step(index + 1),
        None => Target::End,
    }
}

/// Which steps some path from the first one reaches.
pub fn reachable(book: &Runbook) -> Vec<bool> {
    let mut reached = vec![false; book.steps.len()];
    let mut todo = vec![0usize];
    while let Some(i) = todo.pop() {
        if i >= reached.len() || reached[i] {
            continue;
        }
        reached[i] = true;
        let mut targets = vec![successor(book, i)];
        if let StepBody::Gate(g) = &book.steps[i].body
            && let Some(t) = g.otherwise
        {
            targets.push(t);
        }
        for t in targets {
            if let Target::Step(j) = t {
                todo.push(j);
            }
        }
    }
    reached
}

fn declared(book: &Runbook) -> String {
    if book.params.is_empty() {
        "no parameters".to_string()
    } else {
        book.params
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn declared_env(book: &Runbook) -> String {
    if book.params.is_empty() {
        "no parameters".to_string()
    } else {
        book.params
            .iter()
            .map(|p| p.env_var())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, and `-1`,
/// `-2` on repeats.
pub fn step_ids(sections: &[parse::Section]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    sections
        .iter()
        .map(|s| {
            let base: String = s
                .title
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            let count = seen.entry(base.clone()).or_insert(0);
            let id = if *count == 0 {
                base.clone()
            } else {
                format!("{base}-{count}")
            };
            *count += 1;
            id
        })
        .collect()
}

#[cfg(test)]
mod tests;
