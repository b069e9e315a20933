//! Processes the end-to-end tests look at and kill: the provider plugins and language hosts the
//! `pulumi` engine starts (Linux: `pgrep` and /proc).

use std::process::{Child, Command};

/// SIGKILL, as a crashed machine or an OOM kill would end the process.
pub fn kill9(pid: &str) {
    let status = Command::new("kill").args(["-9", pid]).status().expect("kill runs");
    assert!(status.success() || process_ended(pid), "kill -9 {pid} failed");
}

/// SIGTERM, as the engine (or a user's Ctrl-C on its process group) ends a plugin.
pub fn terminate(pid: &str) {
    let status = Command::new("kill").args(["-TERM", pid]).status().expect("kill runs");
    assert!(status.success(), "kill -TERM {pid} failed");
}

/// SIGKILLs the provider plugin that the `pulumi` process `engine` launched.
pub fn kill_provider(engine: &Child) {
    for pid in provider_pids(engine) {
        kill9(&pid);
    }
}

/// The provider processes the engine started (at least one).
pub fn provider_pids(engine: &Child) -> Vec<String> {
    let out = Command::new("pgrep")
        .args(["-P", &engine.id().to_string(), "-f", "pulumi-resource-aws-apigatewayv2"])
        .output()
        .unwrap();
    let pids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert!(!pids.is_empty(), "no provider process under the engine");
    pids
}

/// Every child of the `pulumi` process `engine` (provider, language host).
pub fn children(engine: &Child) -> Vec<String> {
    let out = Command::new("pgrep").args(["-P", &engine.id().to_string()]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Whether a process has ended: gone, or a zombie nobody reaped yet.
pub fn process_ended(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.rsplit(") ")
                .next()
                .is_some_and(|rest| rest.starts_with('Z') || rest.starts_with('X'))
        })
        .unwrap_or(true)
}
