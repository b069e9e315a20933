//! A DynamoDB nobody here wrote: moto's server mode (PyPI `moto[server]`, in the venv `make test`
//! builds), started on a free port per test, and the quota table the provider's `quotaTable`
//! expects.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

/// The Python with moto installed: TEST_PYTHON (set by the Makefile), else the Makefile's venv.
fn python() -> PathBuf {
    std::env::var("TEST_PYTHON").map(PathBuf::from).unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        PathBuf::from(home).join(".cache/pulumi-aws-apigatewayv2/venv/bin/python")
    })
}

/// moto's server, stopped when dropped (or when this process ends: it watches its stdin).
pub struct Moto {
    child: Child,
    _stdin: ChildStdin,
    pub url: String,
}

impl Moto {
    /// Stops the server now, as a table that becomes unreachable.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts moto's server on 127.0.0.1 and a free port.
pub fn start_moto() -> Moto {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/moto_server.py");
    let mut child = Command::new(python())
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} {}: {e} (make venv installs moto)",
                python().display(),
                script.display()
            )
        });
    let stdin = child.stdin.take().expect("moto stdin");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("moto stdout"))
        .read_line(&mut line)
        .expect("moto's URL line");
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "moto did not start: {line:?}");
    Moto { child, _stdin: stdin, url }
}

/// A DynamoDB client for moto (any credentials do).
pub fn client(url: &str) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new("moto", "moto", None, None, "moto"))
        .endpoint_url(url)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// Creates the table `quotaTable` names, as the README's command does.
pub async fn create_quota_table(url: &str, name: &str) {
    use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
    client(url)
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .expect("key"),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("CreateTable");
}
