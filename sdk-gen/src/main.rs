//! `sdk-gen`: writes the files generated from the provider's declaration.
//!
//! - this file: `sdk-gen schema` writes them all (schema.json, docs/_index.md,
//!   docs/installation-configuration.md) under the current directory; `sdk-gen check` fails when
//!   any committed copy differs from what the declaration generates.
//! - [`docs`]: the two Registry pages.

mod docs;

use std::process::ExitCode;

fn outputs() -> Vec<(&'static str, String)> {
    vec![
        ("schema.json", provider::schema::schema_text()),
        ("docs/_index.md", docs::index_page()),
        ("docs/installation-configuration.md", docs::installation_page()),
    ]
}

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "schema".into());
    let mut ok = true;
    match command.as_str() {
        "schema" => {
            for (path, text) in outputs() {
                let written = std::path::Path::new(path)
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(path, &text));
                match written {
                    Ok(()) => println!("wrote {path}"),
                    Err(e) => {
                        eprintln!("sdk-gen: cannot write {path}: {e}");
                        ok = false;
                    }
                }
            }
        }
        "check" => {
            for (path, text) in outputs() {
                match std::fs::read_to_string(path) {
                    Ok(current) if current == text => {}
                    Ok(_) => {
                        eprintln!("sdk-gen: {path} is stale; run `make schema` and commit it");
                        ok = false;
                    }
                    Err(e) => {
                        eprintln!("sdk-gen: cannot read {path}: {e}");
                        ok = false;
                    }
                }
            }
        }
        other => {
            eprintln!("sdk-gen: unknown command {other}; use `schema` or `check`");
            return ExitCode::from(2);
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
