//! Checking a `ripcord` block: one verb (`action`, `gate` or `wait`) naming a known action or
//! condition, its step settings, and its arguments against what that kind takes.

use super::*;

impl Checker<'_> {
    pub(super) fn spec(
        &mut self,
        book: &Runbook,
        block: &Block,
    ) -> (StepBody, Option<Jump>, Option<Jump>) {
        if let Some(option) = block.options.first() {
            let pos = self.fence_option_pos(block, option);
            self.problem(
                pos,
                format!(
                    "unknown option `{option}` after ```ripcord: write the step's settings inside the block"
                ),
            );
        }
        let spec = match parse::yaml::<RawSpec>(&self.file, block.origin, &block.text) {
            Ok(spec) => spec,
            Err(d) => {
                self.problems.push(d);
                return (StepBody::Manual, None, None);
            }
        };
        let origin = block.origin;
        let mut verb: Option<(Spanned<String>, Spanned<String>)> = None;
        let mut destructive: Option<(bool, Pos)> = None;
        let mut timeout: Option<(Duration, Pos)> = None;
        let (mut next, mut otherwise) = (None, None);
        let mut args: Vec<(Spanned<String>, Spanned<String>)> = Vec::new();
        for (key, value) in spec.0 {
            let key_pos = spanned_pos(origin, &key);
            match key.value.as_str() {
                "action" | "gate" | "wait" => {
                    if let Some((first, _)) = &verb {
                        self.problem(
                            key_pos,
                            format!(
                                "a step does one thing, and this block already has `{}`: split it into two `##` steps",
                                first.value
                            ),
                        );
                    } else {
                        verb = Some((key, value));
                    }
                }
                "destructive" => match value.value.as_str() {
                    "true" => destructive = Some((true, key_pos)),
                    "false" => destructive = Some((false, key_pos)),
                    other => self.problem(
                        spanned_pos(origin, &value),
                        format!("`destructive: {other}` must be true or false"),
                    ),
                },
                "timeout" => match humantime::parse_duration(value.value.trim()) {
                    Ok(d) => timeout = Some((d, key_pos)),
                    Err(_) => self.problem(
                        spanned_pos(origin, &value),
                        format!(
                            "`timeout: {}` is not a duration: write it like 30s, 5m or 1h",
                            value.value
                        ),
                    ),
                },
                "next" => {
                    next = Some(Jump {
                        to: value.value.clone(),
                        pos: spanned_pos(origin, &value),
                    })
                }
                "otherwise" => {
                    otherwise = Some((
                        key_pos,
                        Jump {
                            to: value.value.clone(),
                            pos: spanned_pos(origin, &value),
                        },
                    ))
                }
                _ => args.push((key, value)),
            }
        }
        let Some((verb_key, verb_value)) = verb else {
            self.problem(
                origin.at(1, 1),
                "the ripcord block says neither `action`, `gate` nor `wait`: add one, e.g. action: promote-read-replica",
            );
            return (StepBody::Manual, next, None);
        };
        let verb_pos = spanned_pos(origin, &verb_value);
        let word = verb_key.value.as_str();
        if word != "gate"
            && let Some((pos, _)) = &otherwise
        {
            self.problem(
                *pos,
                format!(
                    "`otherwise` belongs to gates ({} has no condition to fail): use `next`",
                    if word == "action" {
                        "an action"
                    } else {
                        "a wait"
                    }
                ),
            );
        }
        if word != "action"
            && let Some((_, pos)) = destructive
        {
            self.problem(
                pos,
                format!("`destructive` is for actions and sh blocks: a `{word}` changes nothing"),
            );
        }
        if word == "gate"
            && let Some((_, pos)) = timeout
        {
            self.problem(
                pos,
                "a gate is tested when it is reached: `timeout` is for waits and actions; use `wait` to wait for the condition",
            );
        }
        let otherwise = otherwise.map(|(_, jump)| jump);
        let body = match word {
            "action" => {
                let Some(kind) = self.known(
                    &verb_value,
                    verb_pos,
                    "action",
                    ActionKind::ALL.map(ActionKind::name).as_slice(),
                ) else {
                    return (StepBody::Manual, next, otherwise);
                };
                let Some(kind) = ActionKind::parse(kind) else {
                    return (StepBody::Manual, next, otherwise);
                };
                let args = self.args(book, origin, kind.name(), kind.args(), verb_pos, args);
                // What only this kind of action refuses, from its module.
                for (pos, message) in (kind.spec().lint)(&args) {
                    self.problem(pos, message);
                }
                if kind.always_destructive()
                    && let Some((false, pos)) = destructive
                {
                    self.problem(
                        pos,
                        format!(
                            "{} cannot be undone, so it always needs the typed confirmation: remove `destructive: false`",
                            kind.name()
                        ),
                    );
                }
                StepBody::Action(ActionStep {
                    kind,
                    args,
                    destructive: kind.always_destructive() || destructive.is_some_and(|(d, _)| d),
                    timeout: timeout.map_or_else(|| kind.default_timeout(), |(d, _)| d),
                    pos: verb_pos,
                })
            }
            _ => {
                let Some(kind) = self.known(
                    &verb_value,
                    verb_pos,
                    "condition",
                    ProbeKind::ALL.map(ProbeKind::name).as_slice(),
                ) else {
                    return (StepBody::Manual, next, otherwise);
                };
                let Some(kind) = ProbeKind::parse(kind) else {
                    return (StepBody::Manual, next, otherwise);
                };
                let args = self.args(book, origin, kind.name(), kind.args(), verb_pos, args);
                let probe = ProbeSpec { kind, args };
                if word == "gate" {
                    StepBody::Gate(GateStep {
                        probe,
                        otherwise: None,
                        pos: verb_pos,
                    })
                } else {
                    StepBody::Wait(WaitStep {
                        probe,
                        timeout: timeout.map_or(DEFAULT_WAIT_TIMEOUT, |(d, _)| d),
                        pos: verb_pos,
                    })
                }
            }
        };
        (body, next, otherwise)
    }

    /// The action or condition name if it is one ripcord knows; otherwise a problem naming
    /// the closest known one and listing them all.
    fn known<'k>(
        &mut self,
        value: &Spanned<String>,
        pos: Pos,
        what: &str,
        names: &[&'k str],
    ) -> Option<&'k str> {
        let word = value.value.trim();
        if let Some(found) = names.iter().find(|n| **n == word) {
            return Some(found);
        }
        let hint = closest(word, names.iter().copied())
            .map(|c| format!("did you mean `{c}`? "))
            .unwrap_or_default();
        self.problem(
            pos,
            format!(
                "unknown {what} `{word}`: {hint}known {what}s are {}",
                names.join(", ")
            ),
        );
        None
    }

    /// Checks an action's or condition's arguments against what it takes.
    fn args(
        &mut self,
        book: &Runbook,
        origin: Origin,
        verb: &str,
        specs: &'static [ArgSpec],
        verb_pos: Pos,
        given: Vec<(Spanned<String>, Spanned<String>)>,
    ) -> Args {
        let mut found: BTreeMap<&'static str, Template> = BTreeMap::new();
        let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
        for (key, value) in given {
            let key_pos = spanned_pos(origin, &key);
            let Some(spec) = specs.iter().find(|s| s.name == key.value) else {
                let hint = closest(&key.value, names.iter().copied())
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                self.problem(
                    key_pos,
                    format!(
                        "`{verb}` takes no argument `{}`: {hint}it takes {}",
                        key.value,
                        names.join(", ")
                    ),
                );
                continue;
            };
            let value_pos = spanned_pos(origin, &value);
            self.templates(book, origin, &value, value_pos);
            let literal = !value.value.contains("{{");
            if literal {
                let ok_rpo = spec.allows_rpo && value.value == "rpo";
                if ok_rpo && book.rpo.is_none() {
                    self.problem(
                        value_pos,
                        "`max: rpo` means the runbook's RPO, but the front matter has no `rpo:`: add one, or write a duration",
                    );
                } else if !spec.is_keyword(&value.value)
                    && let Err(why) = spec.kind.check(&value.value)
                {
                    self.problem(value_pos, format!("`{}`: {why}", spec.name));
                }
            }
            found.insert(
                spec.name,
                Template {
                    raw: value.value.clone(),
                    pos: value_pos,
                },
            );
        }
        for spec in specs.iter().filter(|s| s.required) {
            if !found.contains_key(spec.name) {
                self.problem(
                    verb_pos,
                    format!(
                        "`{verb}` needs `{}` ({}): add {}: \"{{{{PARAM}}}}\" or a value",
                        spec.name, spec.help, spec.name
                    ),
                );
            }
        }
        Args(
            specs
                .iter()
                .filter_map(|s| found.remove(s.name).map(|t| (s.name, t)))
                .collect(),
        )
    }

    /// Every `{{name}}` in a value must be a declared parameter.
    fn templates(&mut self, book: &Runbook, origin: Origin, value: &Spanned<String>, pos: Pos) {
        // The raw text of the value in the block, to place each reference exactly (quotes and
        // escapes make parsed and raw offsets differ, but references contain neither).
        let raw_start = spanned_range(value).map(|r| r.start);
        let locate =
            |nth: usize| -> Pos { self.nth_brace_pos(origin, raw_start, nth).unwrap_or(pos) };
        match template::references(&value.value) {
            Err(bad) => {
                let nth = value.value[..bad.start].matches("{{").count();
                let at = locate(nth);
                self.problem(at, bad.message);
            }
            Ok(refs) => {
                let mut problems = Vec::new();
                for (nth, r) in refs.iter().enumerate() {
                    if book.param(&r.name).is_none() {
                        let hint = closest(&r.name, book.params.iter().map(|p| p.name.as_str()))
                            .map(|c| format!("did you mean {{{{{c}}}}}? "))
                            .unwrap_or_default();
                        problems.push((
                            locate(nth),
                            format!(
                                "unknown parameter {{{{{}}}}}: {hint}the front matter declares {}",
                                r.name,
                                declared(book)
                            ),
                        ));
                    }
                }
                for (at, message) in problems {
                    self.problem(at, message);
                }
            }
        }
    }

    /// The file position of the `nth` `{{` in the raw text of a value that starts at byte
    /// `raw_start` of the block at `origin`.
    fn nth_brace_pos(&self, origin: Origin, raw_start: Option<usize>, nth: usize) -> Option<Pos> {
        let start = raw_start?;
        let block = self.block_text(origin)?;
        let rest = block.get(start..)?;
        let offset = rest.match_indices("{{").nth(nth)?.0 + start;
        Some(origin.at_offset(&block, offset))
    }

    /// The text of the block that starts at `origin`, as the YAML parser saw it (indentation
    /// removed), so that its byte offsets apply.
    fn block_text(&self, origin: Origin) -> Option<String> {
        let mut out = String::new();
        for line in self.lines.from_line(origin.first_line).lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("```") {
                break;
            }
            let cut = line
                .char_indices()
                .take_while(|(i, c)| *c == ' ' && *i < origin.indent)
                .count();
            out.push_str(&line[cut..]);
            out.push('\n');
        }
        parse::effort::add(out.len());
        Some(out)
    }
}
