//! How much one `sh` may be handed. Linux refuses to start a program whose arguments and
//! environment together pass ARG_MAX (E2BIG), so a run whose parameters each fit but together
//! do not would stop at its first shell step, after the steps before it. What is left to a
//! shell step's script and parameters is ARG_MAX less what goes to `sh` anyway: ripcord's own
//! environment and `sh`'s fixed arguments. It is read once; ripcord never changes its own
//! environment.

use std::sync::OnceLock;

/// Kept aside for what the kernel counts besides the strings: the program's path, the
/// auxiliary vector, alignment.
const MARGIN: usize = 4096;
/// One pointer per string in argv and envp, and one ending each list.
const POINTER: usize = std::mem::size_of::<usize>();
/// `sh`'s arguments besides the script, as `act::shell` gives them (`sh -e -u -c SCRIPT
/// ripcord-step`).
const FIXED_ARGS: [&str; 5] = ["sh", "-e", "-u", "-c", "ripcord-step"];

/// ARG_MAX as the system reports it; Linux's floor (32 pages) when it cannot be read.
pub fn arg_max() -> usize {
    nix::unistd::sysconf(nix::unistd::SysconfVar::ARG_MAX)
        .ok()
        .flatten()
        .and_then(|v| usize::try_from(v).ok())
        .unwrap_or(32 * 4096)
}

/// What one argument or environment string of `len` bytes costs: itself, its NUL, its
/// pointer.
pub fn cost(len: usize) -> usize {
    len + 1 + POINTER
}

/// What is left for a shell step's script and `RIPCORD_PARAM_*` variables.
pub fn for_sh() -> usize {
    static LEFT: OnceLock<usize> = OnceLock::new();
    *LEFT.get_or_init(|| {
        // Every variable of ripcord's own goes to sh, but the RIPCORD_PARAM_* ones, which a
        // shell step replaces with its own.
        let inherited: usize = std::env::vars_os()
            .filter(|(name, _)| !name.to_string_lossy().starts_with("RIPCORD_PARAM_"))
            .map(|(name, value)| cost(name.len() + 1 + value.len()))
            .sum();
        let fixed: usize = FIXED_ARGS.iter().map(|a| cost(a.len())).sum();
        arg_max().saturating_sub(inherited + fixed + 2 * POINTER + MARGIN)
    })
}
