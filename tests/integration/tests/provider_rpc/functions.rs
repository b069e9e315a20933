//! The functions (Invoke): getDeployment, getDeployments, getStage and getApiFingerprint against
//! the emulator; missing objects as AWS's NotFound with the ids, bad arguments as failures.

use super::*;

/// Each function reports what AWS has: the deployments newest first, the stage and the
/// deployment it serves, and the API's fingerprint exactly as the Deployment recorded it.
#[tokio::test]
async fn functions_report_what_aws_has() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let mut ids = vec![];
    for (n, stage) in [("first", None), ("second", Some("prod"))] {
        let mut props = json!({"apiId": api, "description": n});
        if let Some(stage) = stage {
            props["stageName"] = json!(stage);
        }
        let created = create(&mut h.rpc, props, 60.0).await.unwrap();
        let outputs = from_struct(&created.properties.unwrap());
        ids.push((created.id, outputs));
    }
    let (second_id, second_outputs) = ids[1].clone();

    let got = result(&mut h.rpc, "getDeployment", json!({"apiId": api, "deploymentId": second_id})).await;
    assert_eq!(got["deploymentId"], json!(second_id));
    assert_eq!(got["apiId"], json!(api));
    assert_eq!(got["description"], json!("second"));
    assert_eq!(got["deploymentStatus"], json!("DEPLOYED"));
    assert_eq!(got["autoDeployed"], json!(false));
    assert_eq!(got["createdDate"], second_outputs["createdDate"]);

    let all = result(&mut h.rpc, "getDeployments", json!({"apiId": api})).await;
    let listed: Vec<&str> = all["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["deploymentId"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 2, "{all}");
    let dates: Vec<&str> = all["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["createdDate"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");
    if dates[0] != dates[1] {
        assert_eq!(listed[0], second_id, "the newer deployment first");
    }

    let stage = result(&mut h.rpc, "getStage", json!({"apiId": api, "stageName": "prod"})).await;
    assert_eq!(
        stage["deploymentId"],
        json!(second_id),
        "the stage serves the deployment released to it"
    );
    assert_eq!(stage["autoDeploy"], json!(false));
    assert_eq!(stage["stageName"], json!("prod"));
    assert!(stage["lastUpdatedDate"].is_string(), "{stage}");

    let fp = result(&mut h.rpc, "getApiFingerprint", json!({"apiId": api})).await;
    assert_eq!(
        fp["apiFingerprint"], second_outputs["apiFingerprint"],
        "the same form as the Deployment's"
    );
    assert_eq!(fp["apiFingerprintParts"], second_outputs["apiFingerprintParts"]);
    assert_eq!(fp["protocolType"], json!("HTTP"));
    add_route(&h.em.url, &api, "POST /more").await;
    let moved = result(&mut h.rpc, "getApiFingerprint", json!({"apiId": api})).await;
    assert_ne!(moved["apiFingerprint"], fp["apiFingerprint"]);
    assert!(moved["apiFingerprintParts"].get("route POST /more").is_some(), "{moved}");
}

/// A missing API, deployment or stage is AWS's NotFound in a sentence naming the ids; a missing
/// or malformed argument is a failure naming it, and nothing is called.
#[tokio::test]
async fn functions_explain_missing_objects_and_bad_arguments() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let rows = [
        (
            "getDeployment",
            json!({"apiId": api, "deploymentId": "nope12"}),
            "deployment nope12 of API",
        ),
        ("getDeployments", json!({"apiId": "zzzzzzzzzz"}), "API zzzzzzzzzz"),
        ("getStage", json!({"apiId": api, "stageName": "staging"}), "stage staging of API"),
        ("getApiFingerprint", json!({"apiId": "zzzzzzzzzz"}), "API zzzzzzzzzz"),
    ];
    for (tok, args, names) in rows {
        let err = invoke(&mut h.rpc, tok, args).await.unwrap_err();
        assert_eq!(err.code(), Code::NotFound, "{tok}: {}", err.message());
        assert!(err.message().starts_with(&format!("{tok}: ")), "{tok}: {}", err.message());
        assert!(
            err.message().contains(names) && err.message().contains("NotFoundException"),
            "{tok}: {}",
            err.message()
        );
    }
    let calls_before = h.em.emulator.stats();
    let resp = invoke(&mut h.rpc, "getStage", json!({"apiId": api})).await.unwrap();
    assert_eq!(resp.failures.len(), 1, "{:?}", resp.failures);
    assert_eq!(resp.failures[0].property, "stageName");
    assert!(resp.r#return.is_none());
    let resp = invoke(
        &mut h.rpc,
        "getDeployment",
        json!({"apiId": api, "deploymentId": "d", "stage": "x"}),
    )
    .await
    .unwrap();
    assert!(
        resp.failures
            .iter()
            .any(|f| f.property == "stage" && f.reason.contains("unknown property")),
        "{:?}",
        resp.failures
    );
    assert_eq!(h.em.emulator.stats(), calls_before, "a bad argument calls nothing");
}
