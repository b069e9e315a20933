//! `pulumi-resource-aws-apigatewayv2`: launched by the Pulumi engine. Prints its port alone on the
//! first stdout line, logs to stderr, and serves until the engine shuts it down, or exits by itself
//! when the engine dies (see `exit_when_orphaned`).

use provider::engine::EngineLog;
use provider::launch;
use provider::server::{self, Provider};
use std::io::Write;
use tokio_util::sync::CancellationToken;

/// What the engine's command line says: `[--logtostderr] [-v=N] [--tracing X] [engine-address]`.
struct Args {
    verbosity: u32,
    engine_address: Option<String>,
}

fn parse_args(args: impl Iterator<Item = String>) -> Args {
    let mut verbosity = 0;
    let mut positional = Vec::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if let Some(v) = arg.strip_prefix("-v=").or_else(|| arg.strip_prefix("--v=")) {
            verbosity = v.parse().unwrap_or(0);
        } else if arg == "-v" || arg == "--v" {
            if let Some(n) = args.peek().and_then(|n| n.parse().ok()) {
                verbosity = n;
                args.next();
            }
        } else if arg == "--tracing" {
            args.next();
        } else if arg.starts_with('-') {
            // --logtostderr and flags of newer engines: logs go to stderr regardless.
        } else {
            positional.push(arg);
        }
    }
    Args {
        verbosity,
        engine_address: positional.pop(),
    }
}

const SENSITIVE_TARGETS: &[&str] = &[
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_types",
    "aws_sdk_apigatewayv2",
    "aws_sigv4",
    "aws_runtime",
    "aws_config",
    "hyper",
    "hyper_util",
    "h2",
    "tonic",
    "tower",
    "rustls",
];

/// What is logged: the level `-v` asks, or what `RUST_LOG` says (`target=level,...`), with the
/// sensitive crates capped. A target filter rather than tracing-subscriber's EnvFilter: the same
/// syntax minus span and field matching, without the regex engine EnvFilter starts in every
/// process (about 100 KiB of resident code after Configure). An unreadable `RUST_LOG` falls back
/// to `-v`.
fn log_filter(verbosity: u32, rust_log: Option<&str>) -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    let default = match verbosity {
        0 => LevelFilter::WARN,
        1..=4 => LevelFilter::INFO,
        5..=8 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let mut filter = rust_log
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(default));
    // The SDK and transport crates print request and response bodies (descriptions, signatures)
    // at debug and trace; cap them whatever -v or RUST_LOG asks, so secrets never reach a log.
    for target in SENSITIVE_TARGETS {
        filter = filter.with_target(*target, LevelFilter::INFO);
    }
    filter
}

fn init_tracing(verbosity: u32) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = log_filter(verbosity, std::env::var("RUST_LOG").ok().as_deref());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .finish()
        .with(filter)
        .init();
}

async fn shutdown_signal(cancel: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                    _ = cancel.cancelled() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        tokio::select! {
            _ = ctrl_c => {}
            _ = cancel.cancelled() => {}
        }
    }
}

/// Exits the process once the process that started it (the engine) is gone. The engine normally
/// ends its plugins with a signal, but when it is killed (`kill -9`, a crashed CI runner) nothing
/// tells the plugin, and a provider waiting for DEPLOYED or retrying would run on for minutes
/// with nobody to answer. On Unix an orphan is re-parented, so a changed parent id means the
/// parent died; whatever the provider is doing, it stops within a poll interval.
#[cfg(unix)]
fn exit_when_orphaned(poll: std::time::Duration) {
    let parent = std::os::unix::process::parent_id();
    if parent <= 1 {
        // Started by init or in a container's pid 1: there is no engine process to follow.
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(poll);
        loop {
            tick.tick().await;
            if std::os::unix::process::parent_id() != parent {
                // Not eprintln!: stderr was a pipe to the dead engine, and a failed print panics.
                let _ = writeln!(
                    std::io::stderr(),
                    "pulumi-resource-aws-apigatewayv2: the engine (pid {parent}) is gone; exiting"
                );
                std::process::exit(1);
            }
        }
    });
}

#[tokio::main]
async fn main() {
    let args = parse_args(std::env::args().skip(1));
    init_tracing(args.verbosity);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("pulumi-resource-aws-apigatewayv2: cannot listen on 127.0.0.1: {e}");
            std::process::exit(1);
        }
    };
    let port = match listener.local_addr() {
        Ok(a) => a.port(),
        Err(e) => {
            eprintln!("pulumi-resource-aws-apigatewayv2: {e}");
            std::process::exit(1);
        }
    };
    // The engine reads the port from the first stdout line; nothing else may go to stdout.
    let mut stdout = std::io::stdout();
    if writeln!(stdout, "{port}").and_then(|_| stdout.flush()).is_err() {
        std::process::exit(1);
    }
    #[cfg(unix)]
    exit_when_orphaned(std::time::Duration::from_millis(500));
    let engine = EngineLog::default();
    if let Some(addr) = &args.engine_address {
        engine.connect(addr);
    }
    let cancel = CancellationToken::new();
    let signals = CancellationToken::new();
    let provider = Provider::new(engine, cancel.clone(), launch::started_by_preview());
    let shutdown = {
        let cancel = cancel.clone();
        let signals = signals.clone();
        async move {
            shutdown_signal(signals).await;
            // In-flight waits end now and report what they created.
            cancel.cancel();
        }
    };
    if let Err(e) = server::serve(listener, provider, shutdown).await {
        eprintln!("pulumi-resource-aws-apigatewayv2: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Args {
        parse_args(v.iter().map(|s| s.to_string()))
    }

    /// RUST_LOG and -v choose the level, but the crates that print bodies stay at info.
    #[test]
    fn sensitive_crates_are_capped() {
        use tracing::Level;
        let f = log_filter(9, None);
        assert!(f.would_enable("provider::server", &Level::TRACE));
        assert!(!f.would_enable("aws_sigv4::sign", &Level::DEBUG));
        assert!(f.would_enable("aws_sigv4::sign", &Level::INFO));
        let f = log_filter(0, Some("provider=debug,hyper=trace"));
        assert!(f.would_enable("provider::apigw", &Level::DEBUG));
        assert!(!f.would_enable("hyper::client", &Level::DEBUG));
        assert!(!f.would_enable("tokio", &Level::ERROR), "targets RUST_LOG does not name are off");
        let f = log_filter(0, Some("provider[span{x=1}]=debug"));
        assert!(f.would_enable("provider", &Level::WARN) && !f.would_enable("provider", &Level::INFO));
    }

    /// The engine address is the last argument, whatever flags come before it.
    #[test]
    fn engine_address_is_last() {
        let a = args(&["--logtostderr", "-v=9", "--tracing", "file:/x", "127.0.0.1:5000"]);
        assert_eq!(a.engine_address.as_deref(), Some("127.0.0.1:5000"));
        assert_eq!(a.verbosity, 9);
        assert_eq!(args(&[]).engine_address, None);
        assert_eq!(args(&["-v", "3", "127.0.0.1:1"]).verbosity, 3);
    }
}
