//! End to end through the real Pulumi CLI: the provider configuration real AWS setups use, set
//! as users set it (`pulumi config set [--path]`), against the emulator's STS and API Gateway:
//! assumed roles into another account, web identity, account guards, expiring credentials, a
//! proxy, a private CA, and bad configuration. Emulator-only (they configure its roles).

use integration_tests::e2e::{Project, Target};
use integration_tests::emulator::faults::{FaultKind, FaultRule};
use integration_tests::emulator::{DEFAULT_ACCOUNT, RoleConfig};
use integration_tests::net::{connect_proxy, tls_front};
use integration_tests::*;
use std::time::Duration;

const PROGRAM: &str = r#"name: e2e
runtime: yaml
config:
  apiId:
    type: string
  description:
    type: string
    default: v1
resources:
  deployment:
    type: aws-apigatewayv2:Deployment
    properties:
      apiId: ${apiId}
      description: ${description}
outputs:
  id: ${deployment.id}
  status: ${deployment.deploymentStatus}
"#;

const ROLE_B: &str = "arn:aws:iam::222222222222:role/ci";
const ROLE_C: &str = "arn:aws:iam::333333333333:role/deployer";
const ISSUER: &str = "https://token.ci.example";

fn role(arn: &str, external_id: Option<&str>, issuer: Option<&str>) -> RoleConfig {
    RoleConfig {
        role_arn: arn.into(),
        external_id: external_id.map(str::to_string),
        web_identity_issuer: issuer.map(str::to_string),
    }
}

/// `pulumi config set --path --plaintext <key> <value>`: plain config, as users set it (the CLI
/// guesses at secrets from the value's look, and some paths and tokens look like one).
fn set_path(p: &Project, key: &str, value: &str) {
    p.ok(&["config", "set", "--path", "--plaintext", key, value]);
}

/// The emulator's count of responses to `op`, whatever their status.
fn calls(t: &Target, op: &str) -> u64 {
    let stats = t.em.as_ref().map(|em| em.emulator.stats()).unwrap_or_default();
    stats[op].as_object().map_or(0, |by| by.values().filter_map(|n| n.as_u64()).sum())
}

/// API Gateway calls the emulator answered (STS and the fixture's own calls aside).
fn api_gateway_calls(t: &Target) -> u64 {
    let stats = t.em.as_ref().map(|em| em.emulator.stats()).unwrap_or_default();
    stats
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter(|(op, _)| !matches!(op.as_str(), "AssumeRole" | "AssumeRoleWithWebIdentity" | "GetCallerIdentity"))
                .flat_map(|(_, by)| by.as_object().into_iter().flat_map(|m| m.values().filter_map(|n| n.as_u64())))
                .sum()
        })
        .unwrap_or(0)
}

/// A chain from account A's keys through account B's role into account C's deploys there: the
/// deployment is created by account C (its quota, its account), through two AssumeRole calls
/// (the first throttled twice, and retried), and `allowedAccountIds` accepts C. The state keeps
/// the roles, not their credentials.
#[test]
fn assume_role_chain_deploys_into_the_last_roles_account() {
    let t = Target::new("cfg-chain");
    let Some(em) = &t.em else { return };
    em.emulator.add_role(role(ROLE_B, Some("team-a"), None));
    em.emulator.add_role(role(ROLE_C, None, None));
    let p = t.project("cfg-chain", PROGRAM);
    let sts = format!("[{{\"sts\": \"{}\"}}]", em.url);
    p.config("aws-apigatewayv2:endpoints", &sts);
    set_path(&p, "aws-apigatewayv2:assumeRoles[0].roleArn", ROLE_B);
    set_path(&p, "aws-apigatewayv2:assumeRoles[0].externalId", "team-a");
    set_path(&p, "aws-apigatewayv2:assumeRoles[0].sessionName", "ci");
    set_path(&p, "aws-apigatewayv2:assumeRoles[1].roleArn", ROLE_C);
    set_path(&p, "aws-apigatewayv2:assumeRoles[1].duration", "30m");
    set_path(&p, "aws-apigatewayv2:allowedAccountIds[0]", "333333333333");
    // STS throttling (the emulator's fault switch) is retried like any throttle.
    em.emulator.add_fault(FaultRule {
        operation: "AssumeRole".into(),
        kind: FaultKind::Status { status: 429 },
        count: Some(2),
        probability: 1.0,
    });
    p.ok(&["up", "--yes"]);
    assert_eq!(em.emulator.stats()["AssumeRole"]["400"], 2, "{}", em.emulator.stats());
    assert_eq!(p.outputs()["status"], "DEPLOYED");
    let by_account = em.emulator.creates_by_account();
    assert_eq!(by_account.get("333333333333"), Some(&1), "{by_account:?}");
    assert_eq!(
        by_account.get(DEFAULT_ACCOUNT),
        None,
        "account A made no deployment: {by_account:?}"
    );
    assert!(calls(&t, "AssumeRole") >= 2, "{}", em.emulator.stats());
    let state = p.export();
    assert!(!state.contains("ASIA"), "no temporary credentials in the state");
    p.ok(&["destroy", "--yes"]);
}

/// `assumeRoleWithWebIdentity` with a token file deploys into the role's account with no keys
/// anywhere; so do the standard AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE variables through
/// the default chain (with AWS_ENDPOINT_URL_STS pointing the chain at the emulator), and an
/// inline token set as plain config, which the state keeps as a secret.
#[test]
fn web_identity_from_a_token_file() {
    let t = Target::new("cfg-web");
    let Some(em) = &t.em else { return };
    em.emulator.add_role(role(ROLE_B, None, Some(ISSUER)));
    let token_file = target_dir().join("e2e-artifacts/cfg-web-token");
    std::fs::write(&token_file, oidc_token(ISSUER)).unwrap();
    let nowhere = target_dir().join("e2e-artifacts/cfg-web-no-file");
    let (nowhere, token_path) = (nowhere.to_str().unwrap(), token_file.to_str().unwrap());
    let keyless = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_SHARED_CREDENTIALS_FILE", nowhere),
        ("AWS_CONFIG_FILE", nowhere),
    ];
    let p = t.configure(Project::new("cfg-web", PROGRAM, &keyless));
    p.config("aws-apigatewayv2:endpoints", &format!("[{{\"sts\": \"{}\"}}]", em.url));
    set_path(&p, "aws-apigatewayv2:assumeRoleWithWebIdentity.roleArn", ROLE_B);
    set_path(&p, "aws-apigatewayv2:assumeRoleWithWebIdentity.webIdentityTokenFile", token_path);
    p.ok(&["up", "--yes"]);
    assert_eq!(em.emulator.creates_by_account().get("222222222222"), Some(&1));
    assert!(calls(&t, "AssumeRoleWithWebIdentity") >= 1);
    p.ok(&["destroy", "--yes"]);

    let standard = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_SHARED_CREDENTIALS_FILE", nowhere),
        ("AWS_CONFIG_FILE", nowhere),
        ("AWS_ROLE_ARN", ROLE_B),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token_path),
        ("AWS_ROLE_SESSION_NAME", "env"),
        ("AWS_ENDPOINT_URL_STS", em.url.as_str()),
    ];
    let p = t.configure(Project::new("cfg-web-env", PROGRAM, &standard));
    p.ok(&["up", "--yes"]);
    assert_eq!(em.emulator.creates_by_account().get("222222222222"), Some(&2));
    p.ok(&["destroy", "--yes"]);

    // An inline token set as plain config is still kept secret: CheckConfig marks it.
    let token = oidc_token(ISSUER);
    let p = t.configure(Project::new("cfg-web-inline", PROGRAM, &keyless));
    p.config("aws-apigatewayv2:endpoints", &format!("[{{\"sts\": \"{}\"}}]", em.url));
    set_path(&p, "aws-apigatewayv2:assumeRoleWithWebIdentity.roleArn", ROLE_B);
    set_path(&p, "aws-apigatewayv2:assumeRoleWithWebIdentity.webIdentityToken", &token);
    p.ok(&["up", "--yes"]);
    assert_eq!(em.emulator.creates_by_account().get("222222222222"), Some(&3));
    let state = p.export();
    assert!(!state.contains(&token), "the token is in the state in clear");
    assert!(
        state.contains("4dabf18193072939515e22adb298388d"),
        "a secret marker is in the state"
    );
    p.ok(&["destroy", "--yes"]);
}

/// A wrong `externalId` fails `pulumi preview` at Configure with AWS's AccessDenied and the role
/// named, and an account outside `allowedAccountIds` (or inside `forbiddenAccountIds`) fails it
/// naming both ids; none of them makes an API Gateway call.
#[test]
fn refusals_fail_preview_before_any_api_gateway_call() {
    let t = Target::new("cfg-refuse");
    let Some(em) = &t.em else { return };
    em.emulator.add_role(role(ROLE_B, Some("team-a"), None));
    let p = t.project("cfg-refuse", PROGRAM);
    let before = api_gateway_calls(&t);
    p.config("aws-apigatewayv2:endpoints", &format!("[{{\"sts\": \"{}\"}}]", em.url));
    set_path(&p, "aws-apigatewayv2:assumeRoles[0].roleArn", ROLE_B);
    set_path(&p, "aws-apigatewayv2:assumeRoles[0].externalId", "team-b");
    let out = p.fails(&["preview"]).text();
    assert!(out.contains("AccessDenied") && out.contains(ROLE_B), "{out}");
    assert!(out.contains("assumeRoles[0]"), "the config entry is named:\n{out}");
    assert!(
        !out.contains("no AWS credentials found"),
        "not the missing-credentials message:\n{out}"
    );

    p.ok(&["config", "rm", "aws-apigatewayv2:assumeRoles"]);
    set_path(&p, "aws-apigatewayv2:allowedAccountIds[0]", "999999999999");
    let out = p.fails(&["preview"]).text();
    assert!(out.contains(DEFAULT_ACCOUNT) && out.contains("999999999999"), "{out}");
    assert!(out.contains("allowedAccountIds"), "{out}");

    p.ok(&["config", "rm", "aws-apigatewayv2:allowedAccountIds"]);
    set_path(&p, "aws-apigatewayv2:forbiddenAccountIds[0]", DEFAULT_ACCOUNT);
    let out = p.fails(&["preview"]).text();
    assert!(out.contains("forbiddenAccountIds") && out.contains(DEFAULT_ACCOUNT), "{out}");
    assert_eq!(api_gateway_calls(&t), before, "no API Gateway call: {}", em.emulator.stats());
    assert!(calls(&t, "GetCallerIdentity") >= 2);
}

/// Credentials that expire while the provider waits for DEPLOYED are renewed (AssumeRole again)
/// and the wait goes on: the up succeeds and no call is refused as expired.
#[test]
fn expiring_credentials_are_renewed_during_a_long_wait() {
    let t = Target::new("cfg-expiry");
    let Some(em) = &t.em else { return };
    em.emulator.add_role(role(ROLE_B, None, None));
    // Sessions last 14 s; the deployment stays PENDING for 30 s (3000 s at the 0.01 time scale).
    em.emulator.set_session_lifetime(Some(Duration::from_secs(14)));
    em.emulator.set_deploy_delay(Duration::from_secs(3000));
    let p = t.project("cfg-expiry", PROGRAM);
    p.config("aws-apigatewayv2:endpoints", &format!("[{{\"sts\": \"{}\"}}]", em.url));
    set_path(&p, "aws-apigatewayv2:assumeRoles[0].roleArn", ROLE_B);
    p.ok(&["up", "--yes"]);
    assert_eq!(p.outputs()["status"], "DEPLOYED");
    let stats = em.emulator.stats();
    assert!(calls(&t, "AssumeRole") >= 2, "the session was renewed: {stats}");
    assert_eq!(em.emulator.count_status(403), 0, "no call was refused: {stats}");
    em.emulator.set_deploy_delay(Duration::from_millis(10));
    p.ok(&["destroy", "--yes"]);
}

/// With `httpsProxy`, the provider reaches a TLS endpoint through an HTTP CONNECT proxy, trusting
/// its certificate through `customCaBundle`; with the host in `noProxy` the proxy sees nothing;
/// without the bundle the certificate is refused, and the error says so at once; `insecure`
/// accepts it with a warning.
#[test]
fn proxy_and_private_ca() {
    let t = Target::new("cfg-proxy");
    let Some(em) = &t.em else { return };
    let front = t.call(tls_front(em.addr));
    let proxy = t.call(connect_proxy());
    let ca_file = target_dir().join("e2e-artifacts/cfg-proxy-ca.pem");
    std::fs::write(&ca_file, &front.ca_pem).unwrap();
    let p = t.project("cfg-proxy", PROGRAM);
    let endpoint = format!("https://localhost:{}", front.addr.port());
    p.config("aws-apigatewayv2:endpoint", &endpoint);
    p.config("aws-apigatewayv2:customCaBundle", ca_file.to_str().unwrap());
    p.config("aws-apigatewayv2:httpsProxy", &format!("http://{}", proxy.addr));
    p.ok(&["up", "--yes"]);
    let target = format!("localhost:{}", front.addr.port());
    assert!(proxy.seen().contains(&target), "the proxy tunnelled the calls: {:?}", proxy.seen());

    // Updates (not refresh: it reads with the provider configuration of the last update).
    p.config("aws-apigatewayv2:noProxy", "localhost,127.0.0.1");
    let seen = proxy.seen().len();
    p.config("description", "v2");
    p.ok(&["up", "--yes"]);
    assert_eq!(t.deployments()[0].2.as_deref(), Some("v2"));
    assert_eq!(proxy.seen().len(), seen, "noProxy hosts bypass the proxy");

    p.ok(&["config", "rm", "aws-apigatewayv2:customCaBundle"]);
    p.config("description", "v3");
    let out = p.fails(&["up", "--yes"]).text();
    assert!(
        out.to_lowercase().contains("certificate"),
        "the certificate problem is named:\n{out}"
    );
    assert!(!out.contains("(after "), "a certificate error is not retried:\n{out}");

    // `insecure` skips the check, and says so on every run.
    p.ok(&["config", "rm", "aws-apigatewayv2:httpsProxy"]);
    p.config("aws-apigatewayv2:insecure", "true");
    let out = p.ok(&["up", "--yes"]).text();
    assert!(out.contains("TLS certificates are not verified"), "{out}");
    assert_eq!(t.deployments()[0].2.as_deref(), Some("v3"));

    p.ok(&["config", "rm", "aws-apigatewayv2:insecure"]);
    p.config("aws-apigatewayv2:customCaBundle", ca_file.to_str().unwrap());
    p.ok(&["up", "--yes"]);
    p.ok(&["destroy", "--yes"]);
}

/// Bad configuration fails preview at CheckConfig, naming the key and the rule, before any call:
/// an unknown key, a malformed role ARN, a session duration outside AWS's range, `accessKey`
/// together with `profile`.
#[test]
fn bad_configuration_names_the_key() {
    let t = Target::new("cfg-bad");
    let Some(em) = &t.em else { return };
    let p = t.project("cfg-bad", PROGRAM);
    let before = em.emulator.stats();
    p.config("aws-apigatewayv2:assumeRole", "x");
    let out = p.fails(&["preview"]).text();
    assert!(out.contains("unknown property assumeRole;"), "{out}");
    p.ok(&["config", "rm", "aws-apigatewayv2:assumeRole"]);

    set_path(&p, "aws-apigatewayv2:assumeRoles[0].roleArn", "arn:aws:iam::12:role/x-role-name");
    set_path(&p, "aws-apigatewayv2:assumeRoles[0].duration", "5m");
    let out = p.fails(&["preview"]).text();
    assert!(out.contains("assumeRoles[0].roleArn must be an IAM role ARN"), "{out}");
    assert!(out.contains("assumeRoles[0].duration must be between 15m and 12h"), "{out}");
    p.ok(&["config", "rm", "aws-apigatewayv2:assumeRoles"]);

    p.config("aws-apigatewayv2:accessKey", "AKIAEXAMPLE");
    p.ok(&["config", "set", "--secret", "aws-apigatewayv2:secretKey", "s"]);
    p.config("aws-apigatewayv2:profile", "prod");
    let out = p.fails(&["preview"]).text();
    assert!(out.contains("profile and accessKey are both set"), "{out}");
    assert_eq!(em.emulator.stats(), before, "nothing was called");
}
