//! The emulator driven by the real `aws-sdk-apigatewayv2` client: every operation and behaviour.

use aws_credential_types::Credentials;
use aws_sdk_apigatewayv2::error::ProvideErrorMetadata;
use aws_sdk_apigatewayv2::types::{DeploymentStatus, ProtocolType};
use integration_tests::emulator::faults::{FaultKind, FaultRule};
use integration_tests::emulator::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Settings};
use integration_tests::*;
use std::time::Duration;

fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<none>").to_string()
}

/// APIs: create (HTTP and WebSocket), get, list with pagination, delete, NotFound after.
#[tokio::test]
async fn apis_crud_and_pagination() {
    let em = start_emulator(fast_settings()).await;
    let c = client(&em.url);
    let mut ids = vec![];
    for i in 0..3 {
        let a = c
            .create_api()
            .name(format!("api{i}"))
            .protocol_type(ProtocolType::Http)
            .send()
            .await
            .unwrap();
        assert!(a.api_endpoint().unwrap().starts_with("https://"));
        assert!(a.created_date().is_some());
        ids.push(a.api_id().unwrap().to_string());
    }
    let ws = c
        .create_api()
        .name("ws")
        .protocol_type(ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .unwrap();
    assert_eq!(ws.protocol_type(), Some(&ProtocolType::Websocket));
    let err = c
        .create_api()
        .name("ws2")
        .protocol_type(ProtocolType::Websocket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "BadRequestException");

    let page1 = c.get_apis().max_results("2").send().await.unwrap();
    assert_eq!(page1.items().len(), 2);
    let token = page1.next_token().expect("next token").to_string();
    let page2 = c.get_apis().max_results("2").next_token(token).send().await.unwrap();
    assert_eq!(page2.items().len(), 2);
    assert!(page2.next_token().is_none());
    let bad = c.get_apis().next_token("garbage").send().await.unwrap_err();
    assert_eq!(code(&bad), "BadRequestException");

    let got = c.get_api().api_id(&ids[0]).send().await.unwrap();
    assert_eq!(got.name(), Some("api0"));
    c.delete_api().api_id(&ids[0]).send().await.unwrap();
    let err = c.get_api().api_id(&ids[0]).send().await.unwrap_err();
    assert_eq!(code(&err), "NotFoundException");
}

/// Routes and stages: create, list, get, update (deploymentId, autoDeploy), delete, conflicts.
#[tokio::test]
async fn routes_and_stages() {
    let em = start_emulator(fast_settings()).await;
    let c = client(&em.url);
    let f = fixture(&c, "rs").await;
    let routes = c.get_routes().api_id(&f.api_id).send().await.unwrap();
    assert_eq!(routes.items().len(), 1);
    assert_eq!(routes.items()[0].route_key(), Some("GET /hello"));
    let dup = c.create_route().api_id(&f.api_id).route_key("GET /hello").send().await.unwrap_err();
    assert_eq!(code(&dup), "ConflictException");

    let dup = c.create_stage().api_id(&f.api_id).stage_name("prod").send().await.unwrap_err();
    assert_eq!(code(&dup), "ConflictException");
    let d = c.create_deployment().api_id(&f.api_id).send().await.unwrap();
    let dep_id = d.deployment_id().unwrap();
    let st = c
        .update_stage()
        .api_id(&f.api_id)
        .stage_name("prod")
        .deployment_id(dep_id)
        .send()
        .await
        .unwrap();
    assert_eq!(st.deployment_id(), Some(dep_id));
    let bad = c
        .update_stage()
        .api_id(&f.api_id)
        .stage_name("prod")
        .deployment_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&bad), "NotFoundException");
    let got = c.get_stage().api_id(&f.api_id).stage_name("prod").send().await.unwrap();
    assert_eq!(got.deployment_id(), Some(dep_id));
    c.create_stage().api_id(&f.api_id).stage_name("$default").send().await.unwrap();
    let got = c.get_stage().api_id(&f.api_id).stage_name("$default").send().await.unwrap();
    assert_eq!(got.stage_name(), Some("$default"));
    assert_eq!(c.get_stages().api_id(&f.api_id).send().await.unwrap().items().len(), 2);
    c.delete_stage().api_id(&f.api_id).stage_name("$default").send().await.unwrap();
    let gone = c.get_stage().api_id(&f.api_id).stage_name("$default").send().await.unwrap_err();
    assert_eq!(code(&gone), "NotFoundException");

    c.delete_route().api_id(&f.api_id).route_id(&f.route_id).send().await.unwrap();
    assert!(c.get_routes().api_id(&f.api_id).send().await.unwrap().items().is_empty());
}

/// Deployments: PENDING then DEPLOYED, list pages, update, and AWS's validation errors.
#[tokio::test]
async fn deployments_lifecycle_and_errors() {
    let em = start_emulator(fast_settings()).await;
    let c = client(&em.url);
    let err = c.create_deployment().api_id("missing").send().await.unwrap_err();
    assert_eq!(code(&err), "NotFoundException");

    let bare = c.create_api().name("bare").protocol_type(ProtocolType::Http).send().await.unwrap();
    let err = c.create_deployment().api_id(bare.api_id().unwrap()).send().await.unwrap_err();
    assert_eq!(code(&err), "BadRequestException");
    assert_eq!(err.message(), Some("Unable to deploy API because no routes exist in this API"));

    let f = fixture(&c, "deps").await;
    let err = c
        .create_deployment()
        .api_id(&f.api_id)
        .description("x".repeat(1025))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "BadRequestException");
    let err = c
        .create_deployment()
        .api_id(&f.api_id)
        .stage_name("nostage")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "NotFoundException");

    let d = c.create_deployment().api_id(&f.api_id).description("first").send().await.unwrap();
    assert_eq!(d.deployment_status(), Some(&DeploymentStatus::Pending));
    assert_eq!(d.auto_deployed(), Some(false));
    let id = d.deployment_id().unwrap().to_string();
    wait_for("DEPLOYED", Duration::from_secs(5), || async {
        let g = c.get_deployment().api_id(&f.api_id).deployment_id(&id).send().await.unwrap();
        (g.deployment_status() == Some(&DeploymentStatus::Deployed)).then_some(())
    })
    .await;

    let u = c
        .update_deployment()
        .api_id(&f.api_id)
        .deployment_id(&id)
        .description("second")
        .send()
        .await
        .unwrap();
    assert_eq!(u.description(), Some("second"));

    for _ in 0..2 {
        wait_for("quota slot", Duration::from_secs(5), || async {
            c.create_deployment().api_id(&f.api_id).send().await.ok()
        })
        .await;
    }
    let p1 = c.get_deployments().api_id(&f.api_id).max_results("2").send().await.unwrap();
    assert_eq!(p1.items().len(), 2);
    let p2 = c
        .get_deployments()
        .api_id(&f.api_id)
        .max_results("2")
        .next_token(p1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.items().len(), 1);
    let err = c.get_deployments().api_id(&f.api_id).max_results("0").send().await.unwrap_err();
    assert_eq!(code(&err), "BadRequestException");

    c.delete_deployment().api_id(&f.api_id).deployment_id(&id).send().await.unwrap();
    let err = c.get_deployment().api_id(&f.api_id).deployment_id(&id).send().await.unwrap_err();
    assert_eq!(code(&err), "NotFoundException");
    let err = c.delete_deployment().api_id(&f.api_id).deployment_id(&id).send().await.unwrap_err();
    assert_eq!(code(&err), "NotFoundException");
}

/// stageName releases to the stage; deleting a staged deployment is refused unless switched off.
#[tokio::test]
async fn stage_release_and_delete_refusal() {
    let em = start_emulator(fast_settings()).await;
    let c = client(&em.url);
    let f = fixture(&c, "stage").await;
    let d = c
        .create_deployment()
        .api_id(&f.api_id)
        .stage_name(&f.stage_name)
        .send()
        .await
        .unwrap();
    let id = d.deployment_id().unwrap();
    let st = c.get_stage().api_id(&f.api_id).stage_name(&f.stage_name).send().await.unwrap();
    assert_eq!(st.deployment_id(), Some(id));
    let err = c.delete_deployment().api_id(&f.api_id).deployment_id(id).send().await.unwrap_err();
    assert_eq!(code(&err), "BadRequestException");
    assert!(err.message().unwrap().contains("Active stages pointing to this deployment"));
    em.emulator.set_refuse_delete_while_staged(false);
    c.delete_deployment().api_id(&f.api_id).deployment_id(id).send().await.unwrap();
    let st = c.get_stage().api_id(&f.api_id).stage_name(&f.stage_name).send().await.unwrap();
    assert_eq!(st.deployment_id(), None);
}

/// A stage with autoDeploy gets an automatic, already DEPLOYED deployment when routes change.
#[tokio::test]
async fn auto_deploy_on_route_change() {
    let em = start_emulator(fast_settings()).await;
    let c = client(&em.url);
    let f = fixture(&c, "auto").await;
    c.create_stage()
        .api_id(&f.api_id)
        .stage_name("live")
        .auto_deploy(true)
        .send()
        .await
        .unwrap();
    let before = c
        .get_stage()
        .api_id(&f.api_id)
        .stage_name("live")
        .send()
        .await
        .unwrap()
        .deployment_id()
        .unwrap()
        .to_string();
    c.create_route().api_id(&f.api_id).route_key("POST /items").send().await.unwrap();
    let after = c
        .get_stage()
        .api_id(&f.api_id)
        .stage_name("live")
        .send()
        .await
        .unwrap()
        .deployment_id()
        .unwrap()
        .to_string();
    assert_ne!(before, after);
    let d = c.get_deployment().api_id(&f.api_id).deployment_id(&after).send().await.unwrap();
    assert_eq!(d.auto_deployed(), Some(true));
    assert_eq!(d.deployment_status(), Some(&DeploymentStatus::Deployed));
    // The manual stage was not touched.
    assert_eq!(
        c.get_stage()
            .api_id(&f.api_id)
            .stage_name("prod")
            .send()
            .await
            .unwrap()
            .deployment_id(),
        None
    );
}

/// The fault switch makes the next deployment end FAILED with a status message.
#[tokio::test]
async fn failed_deployment() {
    let em = start_emulator(fast_settings()).await;
    let c = client(&em.url);
    let f = fixture(&c, "fail").await;
    em.emulator.fail_next_deployment("Integration target unreachable");
    let d = c.create_deployment().api_id(&f.api_id).send().await.unwrap();
    let id = d.deployment_id().unwrap().to_string();
    let g = wait_for("FAILED", Duration::from_secs(5), || async {
        let g = c.get_deployment().api_id(&f.api_id).deployment_id(&id).send().await.unwrap();
        (g.deployment_status() != Some(&DeploymentStatus::Pending)).then_some(g)
    })
    .await;
    assert_eq!(g.deployment_status(), Some(&DeploymentStatus::Failed));
    assert_eq!(g.deployment_status_message(), Some("Integration target unreachable"));
}

/// CreateDeployment is 1 per 5 s (scaled), per access key; the account bucket bursts 40.
#[tokio::test]
async fn quotas_per_key_and_scaled() {
    let mut settings = fast_settings();
    settings.credentials.push(("AKIDSECOND".into(), "second-secret".into()));
    let em = start_emulator(settings).await;
    let c = client_with(&em.url, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, 1);
    let other = client_with(&em.url, "AKIDSECOND", "second-secret", 1);
    let f = fixture(&c, "quota").await;
    c.create_deployment().api_id(&f.api_id).send().await.unwrap();
    let err = c.create_deployment().api_id(&f.api_id).send().await.unwrap_err();
    assert_eq!(code(&err), "TooManyRequestsException");
    // Another account (key) has its own quota.
    other.create_deployment().api_id(&f.api_id).send().await.unwrap();
    // 5 s x 0.01 = 50 ms later the first key may create again.
    wait_for("quota refill", Duration::from_secs(2), || async {
        c.create_deployment().api_id(&f.api_id).send().await.ok()
    })
    .await;

    // Unscaled account bucket: 40 at once, then 429.
    let em = start_emulator(Settings {
        time_scale: 1.0,
        ..fast_settings()
    })
    .await;
    let c = client_with(&em.url, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, 1);
    let mut first_throttle = None;
    for call in 1..=60 {
        if let Err(e) = c.get_apis().send().await {
            assert_eq!(code(&e), "TooManyRequestsException");
            first_throttle.get_or_insert(call);
        }
    }
    let first = first_throttle.expect("throttling past the burst");
    assert!(first > 40, "the burst of 40 is admitted, yet call {first} was throttled");
}

/// Bad signatures, unknown keys and unsigned requests get AWS's 403 error types.
#[tokio::test]
async fn sigv4_rejections() {
    let em = start_emulator(fast_settings()).await;
    let wrong = client_with(&em.url, DEFAULT_ACCESS_KEY, "not-the-secret", 1);
    let err = wrong.get_apis().send().await.unwrap_err();
    assert_eq!(code(&err), "InvalidSignatureException");
    let unknown = client_with(&em.url, "AKIDUNKNOWN", "whatever", 1);
    let err = unknown.get_apis().send().await.unwrap_err();
    assert_eq!(code(&err), "UnrecognizedClientException");

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(em.addr).await.unwrap();
    s.write_all(b"GET /v2/apis HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
    assert!(
        resp.to_ascii_lowercase()
            .contains("x-amzn-errortype: missingauthenticationtokenexception"),
        "{resp}"
    );
}

/// Injected 500/503/429 are retried by the SDK; resets and latency behave; counts expire.
#[tokio::test]
async fn fault_injection() {
    let em = start_emulator(fast_settings()).await;
    let c = client(&em.url);
    let once = client_with(&em.url, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, 1);
    em.emulator.add_fault(FaultRule {
        operation: "GetApis".into(),
        kind: FaultKind::Status { status: 503 },
        count: Some(1),
        probability: 1.0,
    });
    let err = once.get_apis().send().await.unwrap_err();
    assert_eq!(code(&err), "ServiceUnavailableException");
    once.get_apis().send().await.unwrap();

    em.emulator.add_fault(FaultRule {
        operation: "GetApis".into(),
        kind: FaultKind::Status { status: 500 },
        count: Some(2),
        probability: 1.0,
    });
    c.get_apis().send().await.expect("SDK retries past two 500s");

    em.emulator.add_fault(FaultRule {
        operation: "*".into(),
        kind: FaultKind::Status { status: 429 },
        count: Some(1),
        probability: 1.0,
    });
    let err = once.get_apis().send().await.unwrap_err();
    assert_eq!(code(&err), "TooManyRequestsException");

    em.emulator.add_fault(FaultRule {
        operation: "GetApis".into(),
        kind: FaultKind::Reset,
        count: Some(1),
        probability: 1.0,
    });
    assert!(once.get_apis().send().await.is_err(), "reset surfaces as an error without retries");
    em.emulator.add_fault(FaultRule {
        operation: "GetApis".into(),
        kind: FaultKind::Reset,
        count: Some(1),
        probability: 1.0,
    });
    c.get_apis().send().await.expect("SDK retries past a reset");

    em.emulator.add_fault(FaultRule {
        operation: "GetApis".into(),
        kind: FaultKind::Latency { latency_ms: 150 },
        count: Some(1),
        probability: 1.0,
    });
    let t = std::time::Instant::now();
    c.get_apis().send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert!(em.emulator.count_status(503) >= 1 && em.emulator.count_status(500) >= 2);
}

/// With --state-file, objects survive a restart of the emulator.
#[tokio::test]
async fn state_survives_restart() {
    let dir = std::env::temp_dir().join(format!("emu-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let settings = Settings {
        state_file: Some(file.clone()),
        ..fast_settings()
    };
    let em = start_emulator(settings.clone()).await;
    let f = fixture(&client(&em.url), "persist").await;
    em.stop().await.unwrap();
    let em = start_emulator(settings).await;
    let c = client(&em.url);
    let api = c.get_api().api_id(&f.api_id).send().await.unwrap();
    assert_eq!(api.name(), Some("persist"));
    assert_eq!(
        c.get_stage()
            .api_id(&f.api_id)
            .stage_name("prod")
            .send()
            .await
            .unwrap()
            .stage_name(),
        Some("prod")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn sts_client(url: &str, creds: Credentials) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(url)
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

fn session_client(url: &str, c: &aws_sdk_sts::types::Credentials) -> aws_sdk_apigatewayv2::Client {
    let conf = aws_sdk_apigatewayv2::Config::builder()
        .behavior_version(aws_sdk_apigatewayv2::config::BehaviorVersion::latest())
        .region(aws_sdk_apigatewayv2::config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "sts",
        ))
        .endpoint_url(url)
        .retry_config(aws_sdk_apigatewayv2::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_apigatewayv2::Client::from_conf(conf)
}

/// STS through aws-sdk-sts: AssumeRole with the right and a wrong external id, the session's
/// identity and account, its own CreateDeployment quota, web identity by issuer, role-chaining's
/// one-hour bound, and expiry (ExpiredTokenException) of the issued credentials.
#[tokio::test]
async fn sts_sessions_work_in_their_account() {
    use integration_tests::emulator::RoleConfig;
    let em = start_emulator(fast_settings()).await;
    let role_b = "arn:aws:iam::222222222222:role/deployer";
    em.emulator.add_role(RoleConfig {
        role_arn: role_b.into(),
        external_id: Some("team-a".into()),
        web_identity_issuer: Some("https://token.actions.example".into()),
    });
    let base = Credentials::new(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, None, None, "test");
    let sts = sts_client(&em.url, base);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some(integration_tests::emulator::DEFAULT_ACCOUNT));

    let wrong = sts
        .assume_role()
        .role_arn(role_b)
        .role_session_name("ci")
        .external_id("team-b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&wrong), "AccessDenied");
    assert!(wrong.message().unwrap_or_default().contains(role_b));

    let out = sts
        .assume_role()
        .role_arn(role_b)
        .role_session_name("ci")
        .external_id("team-a")
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap().clone();
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::222222222222:assumed-role/deployer/ci"
    );

    // The session is account B, with its own CreateDeployment quota.
    let session_sts = sts_client(
        &em.url,
        Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().into()),
            None,
            "s",
        ),
    );
    assert_eq!(
        session_sts.get_caller_identity().send().await.unwrap().account(),
        Some("222222222222")
    );
    let chained = session_sts
        .assume_role()
        .role_arn(role_b)
        .role_session_name("again")
        .external_id("team-a")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&chained), "ValidationError");
    let a = client(&em.url);
    let b = session_client(&em.url, &creds);
    let f = fixture(&a, "sts").await;
    a.create_deployment().api_id(&f.api_id).send().await.unwrap();
    b.create_deployment().api_id(&f.api_id).send().await.unwrap();
    let err = b.create_deployment().api_id(&f.api_id).send().await.unwrap_err();
    assert_eq!(code(&err), "TooManyRequestsException");
    let by_account = em.emulator.creates_by_account();
    assert_eq!((by_account["111111111111"], by_account["222222222222"]), (1, 1));

    // Web identity: a token from the trusted issuer works, another issuer's does not.
    let anonymous = sts_client(&em.url, Credentials::new("unused", "unused", None, None, "none"));
    let with_token_from = |issuer: &str| {
        anonymous
            .assume_role_with_web_identity()
            .role_arn(role_b)
            .role_session_name("gh")
            .web_identity_token(oidc_token(issuer))
            .send()
    };
    let ok = with_token_from("https://token.actions.example").await.unwrap();
    assert_eq!(ok.provider(), Some("token.actions.example"));
    let err = with_token_from("https://evil.example").await.unwrap_err();
    assert_eq!(code(&err), "AccessDenied");

    // Issued credentials stop working at their expiry.
    em.emulator.set_session_lifetime(Some(Duration::from_millis(300)));
    let short = sts
        .assume_role()
        .role_arn(role_b)
        .role_session_name("short")
        .external_id("team-a")
        .send()
        .await
        .unwrap();
    let c = session_client(&em.url, short.credentials().unwrap());
    c.get_apis().send().await.unwrap();
    let expired = wait_for("session expiry", Duration::from_secs(5), || async {
        c.get_apis().send().await.err().filter(|e| code(e) == "ExpiredTokenException")
    })
    .await;
    assert_eq!(expired.message(), Some("The security token included in the request is expired"));
}
