//! The List RPC (`pulumi do ... list`): pages of `<apiId>/<deploymentId>` that Read takes back.

use super::*;

/// Pages follow the continuation token to the end; every id is `<apiId>/<deploymentId>` and
/// Read takes it back with no inputs (as `pulumi do read` sends it); `limit` bounds a page.
#[tokio::test]
async fn list_pages_ids_that_read_accepts() {
    let mut h = harness(fast_settings()).await;
    let api = h.fixture.api_id.clone();
    let mut created = vec![];
    for n in 0..3 {
        created.push(
            create(&mut h.rpc, json!({"apiId": api, "description": format!("d{n}")}), 60.0)
                .await
                .unwrap()
                .id,
        );
    }
    let (first, next, computed) = list(&mut h.rpc, json!({"apiId": api}), 2, "").await.unwrap();
    assert!(!computed);
    assert_eq!(first.len(), 2, "limit bounds the page: {first:?}");
    let token = next.filter(|t| !t.is_empty()).expect("a continuation token after a partial page");
    let (rest, last, _) = list(&mut h.rpc, json!({"apiId": api}), 0, &token).await.unwrap();
    assert_eq!(last.as_deref(), Some(""), "the last page ends with an empty continuation");
    let mut all: Vec<String> = first.into_iter().chain(rest).collect();
    all.sort();
    let mut expected: Vec<String> = created.iter().map(|id| format!("{api}/{id}")).collect();
    expected.sort();
    assert_eq!(all, expected);
    let read = h
        .rpc
        .read(rpc::ReadRequest {
            id: all[0].clone(),
            urn: URN.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.id, all[0].split('/').nth(1).unwrap(), "Read takes a listed id back");
    assert_eq!(from_struct(&read.inputs.unwrap())["apiId"], json!(api));
}

/// A query without its API fails naming apiId; a query still unknown answers "computed";
/// a missing API is AWS's NotFound with its id.
#[tokio::test]
async fn list_query_rules() {
    let mut h = harness(fast_settings()).await;
    let err = list(&mut h.rpc, json!({}), 0, "").await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("apiId"), "{}", err.message());
    let (ids, _, computed) = list(&mut h.rpc, json!({"apiId": UNKNOWN}), 0, "").await.unwrap();
    assert!(computed && ids.is_empty());
    let err = list(&mut h.rpc, json!({"apiId": "zzzzzzzzzz"}), 0, "").await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound, "{}", err.message());
    assert!(err.message().contains("API zzzzzzzzzz"), "{}", err.message());
}
