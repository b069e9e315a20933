//! `apigatewayv2-emulator`: runs the emulator as a process, printing its URL first on stdout.

use apigatewayv2_emulator::{Emulator, Settings};
use std::time::Duration;

const USAGE: &str = "usage: apigatewayv2-emulator [--host 127.0.0.1] [--port 0] [--time-scale 1.0]
  [--deploy-delay-ms 2000] [--state-file PATH] [--credentials KEY:SECRET]...
  [--no-quotas] [--allow-delete-while-staged] [--allow-deploy-to-auto-deploy-stage] [--region us-east-1]
  [--key-account KEY:ACCOUNT]... [--role ROLE_ARN[,external-id=ID][,issuer=URL]]... [--session-lifetime-ms N]";

fn parse_args() -> Result<(String, u16, Settings), String> {
    let mut settings = Settings::default();
    let mut host = "127.0.0.1".to_string();
    let mut port = 0u16;
    let mut custom_credentials = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--host" => host = value("--host")?,
            "--port" => port = value("--port")?.parse().map_err(|e| format!("--port: {e}"))?,
            "--time-scale" => {
                settings.time_scale = value("--time-scale")?.parse().map_err(|e| format!("--time-scale: {e}"))?;
                if !settings.time_scale.is_finite() || settings.time_scale <= 0.0 {
                    return Err("--time-scale must be positive".into());
                }
            }
            "--deploy-delay-ms" => {
                let ms: u64 = value("--deploy-delay-ms")?.parse().map_err(|e| format!("--deploy-delay-ms: {e}"))?;
                settings.deploy_delay = Duration::from_millis(ms);
            }
            "--state-file" => settings.state_file = Some(value("--state-file")?.into()),
            "--credentials" => {
                let v = value("--credentials")?;
                let (k, s) = v.split_once(':').ok_or("--credentials takes KEY:SECRET")?;
                custom_credentials.push((k.to_string(), s.to_string()));
            }
            "--no-quotas" => settings.quotas = false,
            "--allow-delete-while-staged" => settings.refuse_delete_while_staged = false,
            "--allow-deploy-to-auto-deploy-stage" => settings.refuse_deploy_to_auto_stage = false,
            "--region" => settings.region = value("--region")?,
            "--key-account" => {
                let v = value("--key-account")?;
                let (k, a) = v.split_once(':').ok_or("--key-account takes KEY:ACCOUNT")?;
                if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("--key-account: {a:?} is not a 12-digit account id"));
                }
                settings.key_accounts.push((k.to_string(), a.to_string()));
            }
            "--role" => settings.roles.push(apigatewayv2_emulator::RoleConfig::parse(&value("--role")?)?),
            "--session-lifetime-ms" => {
                let ms: u64 = value("--session-lifetime-ms")?
                    .parse()
                    .map_err(|e| format!("--session-lifetime-ms: {e}"))?;
                settings.session_lifetime = Some(Duration::from_millis(ms));
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if !custom_credentials.is_empty() {
        settings.credentials = custom_credentials;
    }
    Ok((host, port, settings))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let (host, port, settings) = match parse_args() {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let emulator = match Emulator::new(settings.clone()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("apigatewayv2-emulator: {e}");
            std::process::exit(1);
        }
    };
    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("apigatewayv2-emulator: cannot bind {host}:{port}: {e}");
            std::process::exit(1);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("apigatewayv2-emulator: {e}");
            std::process::exit(1);
        }
    };
    // The URL alone on the first stdout line, so scripts can read it.
    println!("http://{addr}");
    tracing::info!(
        time_scale = settings.time_scale,
        quotas = settings.quotas,
        state_file = ?settings.state_file,
        "apigatewayv2-emulator listening on http://{addr}"
    );
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("shutting down");
    };
    if let Err(e) = emulator.serve(listener, shutdown).await {
        eprintln!("apigatewayv2-emulator: {e}");
        std::process::exit(1);
    }
}
