//! Checking a `sh` block: its fence options (`destructive=PARAM`, `timeout=`), and that
//! parameters reach the script only through the environment.

use super::*;

impl Checker<'_> {
    pub(super) fn shell(&mut self, book: &Runbook, block: &Block) -> StepBody {
        let mut step = ShellStep {
            script: block.text.clone(),
            destructive: None,
            timeout: DEFAULT_SHELL_TIMEOUT,
            pos: block.fence,
        };
        for option in &block.options {
            let pos = self.fence_option_pos(block, option);
            match option.split_once('=') {
                Some(("destructive", param)) => match book.param(param) {
                    // The typed value is echoed in the prompt and the run log.
                    Some(decl) if decl.secret => self.problem(
                        pos,
                        format!(
                            "`destructive={param}` names a secret parameter: its value would be shown in the confirmation prompt; confirm with a parameter that is not secret"
                        ),
                    ),
                    // An empty value would make Enter alone the confirmation.
                    Some(decl)
                        if !decl.required && decl.default.as_deref().is_none_or(str::is_empty) =>
                    {
                        self.problem(
                            pos,
                            format!(
                                "`destructive={param}` names an optional parameter: left empty, Enter alone would confirm the script; make `{param}` required (or give it a default)"
                            ),
                        )
                    }
                    Some(_) => step.destructive = Some(param.to_string()),
                    None => {
                        self.problem(
                            pos,
                            format!(
                                "`destructive={param}` names no parameter: name the parameter whose value the operator must type ({})",
                                declared(book)
                            ),
                        );
                    }
                },
                Some(("timeout", value)) => match humantime::parse_duration(value) {
                    Ok(d) => step.timeout = d,
                    Err(_) => self.problem(
                        pos,
                        format!("`timeout={value}` is not a duration: write it like 30s, 5m or 1h"),
                    ),
                },
                _ => self.problem(
                    pos,
                    format!(
                        "unknown option `{option}` on the sh block: it takes destructive=PARAM and timeout=DURATION"
                    ),
                ),
            }
        }
        for (n, line) in block.text.lines().enumerate() {
            let mut from = 0;
            while let Some(i) = line[from..].find("{{").map(|i| i + from) {
                let name = line[i + 2..]
                    .split("}}")
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let column = line[..i].chars().count() + 1;
                let instead = if template::is_param_name(&name) {
                    format!(" instead of {{{{{name}}}}}", name = name)
                } else {
                    String::new()
                };
                self.problem(
                    block.origin.at(n + 1, column),
                    format!(
                        "parameters reach shell steps only as environment variables, never in the script text: write \"${}\"{instead}",
                        env_var_for(if name.is_empty() { "NAME" } else { &name })
                    ),
                );
                from = i + 2;
            }
            let mut from = 0;
            while let Some(i) = line[from..].find("RIPCORD_PARAM_").map(|i| i + from) {
                let rest = &line[i + "RIPCORD_PARAM_".len()..];
                let suffix: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let name = suffix.to_ascii_lowercase();
                if book.param(&name).is_none() {
                    let column = line[..i].chars().count() + 1;
                    self.problem(
                        block.origin.at(n + 1, column),
                        format!(
                            "`RIPCORD_PARAM_{suffix}` names no parameter: the front matter declares {}",
                            declared_env(book)
                        ),
                    );
                }
                from = i + 1;
            }
        }
        StepBody::Shell(step)
    }

    /// Where a word of the fence line is, for problems with `sh` block options.
    pub(super) fn fence_option_pos(&self, block: &Block, option: &str) -> Pos {
        let line = self.lines.line(block.fence.line).unwrap_or("");
        match line.find(option) {
            Some(i) => Pos::new(block.fence.line, line[..i].chars().count() + 1),
            None => block.fence,
        }
    }
}
