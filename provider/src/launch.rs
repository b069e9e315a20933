//! What the process that started the plugin says about the run it serves. The protocol tells
//! Check and Diff nothing about whether the run is a preview (only Create, Update and Invoke
//! carry `preview`); the command line of the Pulumi CLI that launched the plugin does, for the
//! one command that never changes anything: `pulumi preview` (alias `pre`). `pulumi up` runs its
//! preview and its update in plugins of its own, both under `up`, so it counts as a run that may
//! change things, as does anything this cannot read (any system but Linux, a parent that is not
//! the CLI, an unusual command line).

/// Whether the process that started this one is `pulumi preview`: read once, at start-up.
pub fn started_by_preview() -> bool {
    #[cfg(target_os = "linux")]
    {
        let parent = std::os::unix::process::parent_id();
        let Ok(raw) = std::fs::read(format!("/proc/{parent}/cmdline")) else {
            return false;
        };
        // NUL-terminated arguments, the program first.
        let raw = raw.strip_suffix(&[0]).unwrap_or(&raw);
        let argv: Vec<String> = raw.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        is_preview_command(&argv)
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Whether `argv` (the program first) is the Pulumi CLI running `preview`: the program is named
/// `pulumi` and the subcommand comes first, or after flags written `--name=value` only. A flag
/// written apart from its value is not passed over, since its value could read `preview`
/// (`pulumi -C preview up` runs `up` in the directory `preview`).
pub fn is_preview_command<S: AsRef<str>>(argv: &[S]) -> bool {
    let Some((program, rest)) = argv.split_first() else {
        return false;
    };
    let name = std::path::Path::new(program.as_ref()).file_name().and_then(|n| n.to_str());
    if name != Some("pulumi") {
        return false;
    }
    for arg in rest.iter().map(AsRef::as_ref) {
        if arg == "preview" || arg == "pre" {
            return true;
        }
        if !(arg.starts_with("--") && arg.contains('=')) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only the CLI's preview command counts, and only when nothing before it could be a flag's
    /// value.
    #[test]
    fn preview_commands() {
        for yes in [
            &["pulumi", "preview"][..],
            &["/root/.pulumi/bin/pulumi", "preview", "--diff", "--stack", "dev"],
            &["pulumi", "pre", "--json"],
            &["pulumi", "--cwd=infra", "--color=never", "preview"],
        ] {
            assert!(is_preview_command(yes), "{yes:?}");
        }
        for no in [
            &[][..],
            &["pulumi"],
            &["pulumi", "up", "--yes"],
            &["pulumi", "update"],
            &["pulumi", "up", "preview"],
            &["pulumi", "-C", "preview", "up"],
            &["pulumi", "--cwd", "preview", "up"],
            &["pulumi", "--non-interactive", "preview"],
            &["pulumi", "refresh", "--preview-only"],
            &["node", "pulumi", "preview"],
            &["/usr/bin/pulumi-preview", "preview"],
            &["target/debug/deps/provider_rpc-1234", "preview"],
        ] {
            assert!(!is_preview_command(no), "{no:?}");
        }
    }
}
