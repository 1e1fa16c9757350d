//! A runbook's steps with this run's parameters filled in, each argument checked against
//! what it must be (a parameter can hold anything its own type allows).

use super::Resolved;
use crate::runbook::act::shell as sh;
use crate::runbook::exec::work::{Env, EnvVar};
use crate::runbook::lang::model::{Diagnostic, Runbook, StepBody, env_var_for};
use crate::runbook::lang::params::{ParamValues, shown};
use crate::runbook::lang::template;
use crate::runbook::lang::vocab::{ArgSpec, Filled, Operation, Probe};

/// The most one environment string (`NAME=value` and its NUL) may hold: Linux's
/// `MAX_ARG_STRLEN`, 32 pages. A longer value would make starting `sh` fail with E2BIG in the
/// middle of a run; it is refused before the run starts instead.
pub const ENV_STRING_MAX: usize = 32 * 4096;

/// Fills in and checks every step's arguments for a run.
pub fn resolve_steps(
    book: &Runbook,
    params: &ParamValues,
) -> Result<Vec<Resolved>, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut resolved = Vec::new();
    for step in &book.steps {
        let mut fill =
            |specs: &'static [ArgSpec], args: &crate::runbook::lang::model::Args| -> Filled {
                let mut filled = Filled::new();
                for spec in specs {
                    let Some(t) = args.get(spec.name) else {
                        continue;
                    };
                    let value = template::fill(&t.raw, params);
                    let is_rpo = spec.is_keyword(&value);
                    // Optional arguments may come out empty; `rpo` was checked with the header.
                    let checkable = !is_rpo && (spec.required || !value.is_empty());
                    if checkable
                        && t.raw.contains("{{")
                        && let Err(why) = spec.kind.check(&value)
                    {
                        let why = if params.is_secret_value(&value) {
                            format!(
                                "a secret parameter's value is not {}",
                                spec.kind.expectation()
                            )
                        } else {
                            why
                        };
                        problems.push(Diagnostic {
                        file: book.file.clone(),
                        pos: t.pos,
                        message: format!(
                            "step `{}`: `{}` = {} from {}: {why}: give a parameter value that fits",
                            step.title, spec.name, shown_or_secret(params, &value), t.raw
                        ),
                    });
                    }
                    filled.insert(spec.name, value);
                }
                filled
            };
        let r = match &step.body {
            StepBody::Manual => Resolved::Manual,
            StepBody::Action(a) => Resolved::Action {
                op: Operation::build(a.kind, &fill(a.kind.args(), &a.args), book.rpo),
                destructive: a.destructive,
                timeout: a.timeout,
            },
            StepBody::Gate(g) => Resolved::Gate {
                probe: Probe::build(
                    g.probe.kind,
                    &fill(g.probe.kind.args(), &g.probe.args),
                    book.rpo,
                ),
                otherwise: g.otherwise,
            },
            StepBody::Wait(w) => Resolved::Wait {
                probe: Probe::build(
                    w.probe.kind,
                    &fill(w.probe.kind.args(), &w.probe.args),
                    book.rpo,
                ),
                timeout: w.timeout,
            },
            StepBody::Shell(s) => {
                let confirm = s
                    .destructive
                    .as_ref()
                    .and_then(|p| params.get(p))
                    .map(str::to_string);
                if let (Some(p), Some("")) = (&s.destructive, confirm.as_deref()) {
                    problems.push(Diagnostic {
                        file: book.file.clone(),
                        pos: s.pos,
                        message: format!(
                            "step `{}`: destructive={p} asks the operator to type the value of `{p}`, and it is empty: Enter alone would run the script; give {p}=VALUE",
                            step.title
                        ),
                    });
                }
                for p in &params.0 {
                    let name = env_var_for(&p.name);
                    let most = ENV_STRING_MAX.saturating_sub(name.len() + 2);
                    if p.value.len() > most {
                        problems.push(Diagnostic {
                            file: book.file.clone(),
                            pos: s.pos,
                            message: format!(
                                "step `{}`: parameter `{}` is {} bytes, and a shell step gets it as the environment variable {name}, which holds at most {most} bytes here: pass a shorter value (a file name, say)",
                                step.title,
                                p.name,
                                p.value.len()
                            ),
                        });
                    }
                }
                // Together, too: the script and every variable must fit in what ARG_MAX
                // leaves, or sh cannot start, after the steps before this one have run.
                let total = sh::cost(s.script.len())
                    + params
                        .0
                        .iter()
                        .map(|p| sh::cost(env_var_for(&p.name).len() + 1 + p.value.len()))
                        .sum::<usize>();
                let left = sh::left_for_a_step();
                if total > left {
                    problems.push(Diagnostic {
                        file: book.file.clone(),
                        pos: s.pos,
                        message: format!(
                            "step `{}`: its script and the {} parameters sh gets as environment variables come to {total} bytes, and sh can be handed at most {left} here (ARG_MAX {} less ripcord's own environment): pass shorter values (file names, say)",
                            step.title,
                            params.0.len(),
                            sh::arg_max()
                        ),
                    });
                }
                Resolved::Shell {
                    script: s.script.clone(),
                    env: Env(params
                        .0
                        .iter()
                        .map(|p| EnvVar {
                            name: env_var_for(&p.name),
                            value: p.value.clone(),
                            secret: p.secret,
                        })
                        .collect()),
                    confirm,
                    timeout: s.timeout,
                }
            }
        };
        resolved.push(r);
    }
    if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(problems)
    }
}

fn shown_or_secret(params: &ParamValues, value: &str) -> String {
    if params.is_secret_value(value) {
        crate::runbook::lang::params::REDACTED.to_string()
    } else {
        format!("`{}`", shown(value))
    }
}
