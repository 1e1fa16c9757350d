//! Who is at the keyboard: the OS user, the host, the SSH connection when there is one. The
//! cloud identity comes from the `Actions` in use (`Actions::caller_identity`).

use super::model::Operator;
use crate::runbook::act::port::CallerIdentity;

/// The OS user: `USER`, else `LOGNAME`, else "unknown".
pub fn os_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The host name, read from the kernel (no `unsafe` gethostname), else `HOSTNAME`.
pub fn host() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The operator of this process, with the identity of the credentials the actions use.
pub fn current(aws: CallerIdentity) -> Operator {
    Operator {
        user: os_user(),
        host: host(),
        ssh_connection: std::env::var("SSH_CONNECTION")
            .ok()
            .filter(|s| !s.trim().is_empty()),
        aws,
    }
}
