//! The two pages the Pulumi Registry expects of a provider, `docs/_index.md` (overview, an example
//! per language) and `docs/installation-configuration.md` (install, plugin, every config key).
//! Key and property tables come from the provider's declaration; the examples are the tested
//! example programs themselves, so neither can drift from what ships.

use provider::config::keys::CONFIG;
use provider::decl::check::describe_format;
use provider::decl::{Field, Kind, ObjectDecl, PACKAGE, Role, VERSION};
use provider::resources;
use std::fmt::Write as _;

const TYPESCRIPT: &str = include_str!("../../examples/typescript/index.ts");
const PYTHON: &str = include_str!("../../examples/python/__main__.py");
const GO: &str = include_str!("../../examples/go/main.go");
const YAML: &str = include_str!("../../examples/yaml/Pulumi.yaml");

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::String => "string",
        Kind::Boolean => "boolean",
        Kind::Integer => "integer",
        Kind::StringMap => "map of string",
        Kind::StringList => "list of string",
        Kind::Object(_) => "object",
        Kind::ObjectList(_) => "list of object",
    }
}

/// Rules of a field in words: bounds, secrecy, replacement, default, environment variables.
fn rules(f: &Field) -> String {
    let mut out = Vec::new();
    if f.required {
        out.push("required".to_string());
    }
    if let (Some(min), Some(max)) = (f.min_len, f.max_len) {
        out.push(format!("{min} to {max} characters"));
    }
    if let (Some(min), Some(max)) = (f.min_int, f.max_int) {
        out.push(format!("{min} to {max}"));
    }
    if let Some(format) = f.format {
        out.push(describe_format(format));
    }
    if let Kind::ObjectList(ObjectDecl { max_items: Some(n), .. }) = f.kind {
        out.push(format!("at most {n} item(s)"));
    }
    if f.replace_on_change {
        out.push("changing it replaces".to_string());
    }
    if f.secret {
        out.push("secret".to_string());
    }
    if let Some(b) = f.default_bool {
        out.push(format!("default {b}"));
    }
    if !f.env.is_empty() {
        out.push(format!(
            "env {}",
            f.env.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    if out.is_empty() { "-".to_string() } else { out.join("; ") }
}

/// The configuration keys with their pulumi-aws counterparts, for the README.
pub fn config_counterparts() -> String {
    let mut md = String::from("| key | type | pulumi-aws counterpart |\n|---|---|---|\n");
    for f in CONFIG.fields {
        let theirs = f
            .pulumi_aws
            .map_or("none (this provider's own)".to_string(), |k| format!("`aws:{k}`"));
        let _ = writeln!(md, "| `{}` | {} | {theirs} |", f.name, kind_name(f.kind));
    }
    md
}

/// The fields of the configuration's object types, one table each.
fn object_tables() -> String {
    let mut md = String::new();
    for f in CONFIG.fields {
        let (Kind::Object(d) | Kind::ObjectList(d)) = f.kind else {
            continue;
        };
        let item = if matches!(f.kind, Kind::ObjectList(_)) { "[]" } else { "" };
        let _ = write!(
            md,
            "\n### `{}`\n\n{}\n\n{}",
            f.name,
            d.doc,
            table(d.fields.iter(), &format!("{}{item}.", f.name))
        );
    }
    md
}

fn table<'a>(fields: impl Iterator<Item = &'a Field>, prefix: &str) -> String {
    let mut md = String::from("| name | type | rules | description |\n|---|---|---|---|\n");
    for f in fields {
        let _ = writeln!(
            md,
            "| `{prefix}{}` | {} | {} | {} |",
            f.name,
            kind_name(f.kind),
            rules(f),
            f.doc.replace('|', "\\|")
        );
    }
    md
}

fn code(lang: &str, text: &str) -> String {
    format!("```{lang}\n{}\n```\n", text.trim_end())
}

/// `docs/_index.md`.
pub fn index_page() -> String {
    let mut md = String::new();
    md.push_str("---\ntitle: AWS API Gateway v2 Deployments\nmeta_desc: Deployments of Amazon API Gateway v2 HTTP and WebSocket APIs that follow the API, with a native Pulumi provider.\nlayout: package\n---\n\n");
    md.push_str(
        "The `aws-apigatewayv2` provider manages one resource, `aws-apigatewayv2:index:Deployment`, and \
         offers lookups no other provider has (`getDeployment`, `getDeployments`, `getStage`, \
         `getApiFingerprint`). The Deployment is a \
         deployment of an Amazon API Gateway v2 API (HTTP or WebSocket), released to a stage if you \
         name one. It keeps pulumi-aws's property names (`apiId`, `description`, `triggers`, \
         `autoDeployed`), so a program can move over from `aws.apigatewayv2.Deployment`. Beyond \
         that, `redeployOnApiChange: true` makes the deployment follow the API: when its routes, \
         integrations or authorizers change, the next `pulumi up` replaces the deployment, says \
         what changed, and the stage serves the new configuration. Calls are paced to API \
         Gateway's quotas (one CreateDeployment every 5 seconds per account and region), so many \
         deployments in one update queue instead of being throttled.\n\n",
    );
    md.push_str("## Example\n\nA deployment released to an existing stage `prod` of the API `apiId` (a stack setting). It is replaced when `routesVersion` changes, or when the API's configuration does.\n\n");
    for (title, lang, text) in [
        ("TypeScript", "typescript", TYPESCRIPT),
        ("Python", "python", PYTHON),
        ("Go", "go", GO),
        ("YAML", "yaml", YAML),
    ] {
        let _ = write!(md, "### {title}\n\n{}\n", code(lang, text));
    }
    for decl in resources::decls() {
        let name = decl.token.rsplit(':').next().unwrap_or(decl.token);
        let _ = write!(md, "## The {name} resource\n\nInputs:\n\n{}", table(decl.inputs(), ""));
        md.push_str("\nOutputs (besides the inputs):\n\n");
        md.push_str(&table(decl.fields.iter().filter(|f| f.role == Role::Output), ""));
        let _ = write!(
            md,
            "\nImport an existing one with its id, `{}`:\n\n```sh\npulumi import {} <name> {}\n```\n\n",
            decl.import_id, decl.token, decl.import_id
        );
    }
    for decl in resources::function_decls() {
        let name = decl.token.rsplit(':').next().unwrap_or(decl.token);
        let _ = write!(
            md,
            "## The {name} function\n\n{}\n\nArguments:\n\n{}\nResult:\n\n{}\n",
            decl.doc,
            table(decl.args.iter(), ""),
            table(decl.result.iter(), "")
        );
    }
    md.push_str("See [Installation & Configuration](./installation-configuration) to set the provider up.\n");
    md
}

/// `docs/installation-configuration.md`.
pub fn installation_page() -> String {
    let archive = format!("pulumi-resource-{PACKAGE}-v{VERSION}-<os>-<arch>.tar.gz");
    let mut md = String::new();
    md.push_str("---\ntitle: AWS API Gateway v2 Deployments Installation & Configuration\nmeta_desc: How to install the aws-apigatewayv2 provider and its SDKs, and every provider configuration key.\nlayout: package\n---\n\n");
    md.push_str("## Installation\n\nThe provider is a plugin binary, `pulumi-resource-aws-apigatewayv2`, with an SDK per language:\n\n");
    md.push_str("| language | package |\n|---|---|\n");
    let _ = writeln!(md, "| TypeScript / JavaScript | `@pulumi/{PACKAGE}` (npm) |");
    let _ = writeln!(md, "| Python | `pulumi_aws_apigatewayv2` (PyPI) |");
    let _ = writeln!(md, "| Go | `github.com/example/pulumi-aws-apigatewayv2/sdk/go/awsapigatewayv2` |");
    md.push_str("| YAML | none: `type: aws-apigatewayv2:Deployment` |\n\n");
    let _ = write!(
        md,
        "Each SDK names the plugin and its version ({VERSION}) in its package metadata, and the \
         Pulumi CLI installs that plugin. To install the release archive by hand (an air-gapped \
         machine, or a build of your own):\n\n\
         ```sh\npulumi plugin install resource {PACKAGE} {VERSION} --file {archive}\n```\n\n\
         `make dist` in the provider's repository builds the archives for `linux-amd64`, \
         `linux-arm64` and `windows-amd64` (the plugin is `pulumi-resource-{PACKAGE}.exe` there), \
         with a SHA-256 checksums file (`sha256sum -c pulumi-resource-{PACKAGE}-v{VERSION}-checksums.txt`). \
         For macOS, build it on the Mac: `cargo build --release -p pulumi-resource-{PACKAGE}`, then \
         `scripts/package.sh target/release/pulumi-resource-{PACKAGE} target/dist {VERSION} darwin-arm64` \
         (or `darwin-amd64`) makes the archive to install.\n\n"
    );
    md.push_str("## Credentials\n\nThe provider uses the standard AWS credential chain (environment variables, the shared config and credentials files with `profile`, container and instance roles), or static keys from the configuration below. It needs `apigateway:GET`, `apigateway:POST` and `apigateway:DELETE` (and `apigateway:PATCH` for `stageName` and description updates) on the APIs it deploys. `allowedAccountIds`, `forbiddenAccountIds` and `quotaTable` also need `sts:GetCallerIdentity`; `quotaTable` needs `dynamodb:DescribeTable`, `dynamodb:GetItem` and `dynamodb:PutItem` on its table (key `pk`, a string); `assumeRoles` needs `sts:AssumeRole` on each role, from the credentials before it.\n\n");
    let _ = write!(
        md,
        "## Configuration\n\nSet keys with `pulumi config set {PACKAGE}:<key> <value>` (`--secret` for secrets), \
         or on an explicit provider resource. Every key:\n\n{}",
        table(CONFIG.fields.iter(), &format!("{PACKAGE}:"))
    );
    md.push_str(&object_tables());
    md.push_str("\nAn assumed role in another account, chained from the base credentials, with a guard on the account:\n\n");
    md.push_str(&code(
        "yaml",
        "config:\n  aws-apigatewayv2:region: eu-west-1\n  aws-apigatewayv2:assumeRoles:\n    - roleArn: arn:aws:iam::222222222222:role/deployer\n      sessionName: ci\n      externalId: team-a\n  aws-apigatewayv2:allowedAccountIds:\n    - \"222222222222\"",
    ));
    md.push_str("\nBad configuration fails `pulumi preview` naming the key and the rule.\n");
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every configuration key and every Deployment input appears in the pages.
    #[test]
    fn pages_list_every_declared_key() {
        let install = installation_page();
        for f in CONFIG.fields {
            assert!(install.contains(&format!("`{PACKAGE}:{}`", f.name)), "{} missing", f.name);
            assert!(config_counterparts().contains(&format!("| `{}` |", f.name)), "{} missing", f.name);
        }
        let index = index_page();
        for decl in resources::decls() {
            for f in decl.fields {
                assert!(index.contains(&format!("| `{}` |", f.name)), "{} missing", f.name);
            }
            assert!(index.contains(&format!("pulumi import {} <name> {}", decl.token, decl.import_id)));
        }
        assert!(index.contains("### Go") && index.contains("RedeployOnApiChange"));
    }
}
