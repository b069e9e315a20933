//! `sdk-gen`: writes schema.json from the provider's resource declaration.
//!
//! Usage: `sdk-gen schema [PATH]` (default `schema.json`), or `sdk-gen check [PATH]` to fail when
//! the file differs from what the declaration generates.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "schema".into());
    let path = args.next().unwrap_or_else(|| "schema.json".into());
    let text = provider::schema::schema_text();
    match command.as_str() {
        "schema" => match std::fs::write(&path, &text) {
            Ok(()) => {
                println!("wrote {path}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sdk-gen: cannot write {path}: {e}");
                ExitCode::FAILURE
            }
        },
        "check" => match std::fs::read_to_string(&path) {
            Ok(current) if current == text => ExitCode::SUCCESS,
            Ok(_) => {
                eprintln!("sdk-gen: {path} is stale; run `make schema` and commit it");
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("sdk-gen: cannot read {path}: {e}");
                ExitCode::FAILURE
            }
        },
        other => {
            eprintln!("sdk-gen: unknown command {other}; use `schema` or `check`");
            ExitCode::from(2)
        }
    }
}
