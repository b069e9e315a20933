//! Per-call overhead of the provider's in-process work on realistic inputs (20 triggers, a 1 KiB
//! description): Check, Diff, Struct <-> typed conversion, GetSchema. No network.

use criterion::{Criterion, criterion_group, criterion_main};
use prost_types::{Struct, Value, value::Kind};
use provider::decl::props::{self, Strictness};
use provider::engine::EngineLog;
use provider::proto::pulumirpc::{CheckRequest, DiffRequest, GetSchemaRequest, resource_provider_server::ResourceProvider};
use provider::resources::deployment::DEPLOYMENT;
use provider::server::Provider;
use std::hint::black_box;
use tokio_util::sync::CancellationToken;

/// The requests name their resource as the pinned engine's do: URN, type and name (the registry
/// dispatches by type).
const URN: &str = "urn:pulumi:bench::bench::aws-apigatewayv2:index:Deployment::d";
const TYPE: &str = "aws-apigatewayv2:index:Deployment";
const NAME: &str = "d";

fn s(v: &str) -> Value {
    Value {
        kind: Some(Kind::StringValue(v.into())),
    }
}

fn inputs(description: &str) -> Struct {
    let triggers = Struct {
        fields: (0..20)
            .map(|i| (format!("trigger{i:02}"), s(&format!("sha256:{i:064x}"))))
            .collect(),
    };
    Struct {
        fields: [
            ("apiId".to_string(), s("a1b2c3d4e5")),
            ("description".to_string(), s(description)),
            ("stageName".to_string(), s("prod")),
            (
                "triggers".to_string(),
                Value {
                    kind: Some(Kind::StructValue(triggers)),
                },
            ),
        ]
        .into_iter()
        .collect(),
    }
}

/// A Check of `news`, as the engine sends it for a new resource.
fn check_request(news: Struct) -> tonic::Request<CheckRequest> {
    tonic::Request::new(CheckRequest {
        urn: URN.into(),
        r#type: TYPE.into(),
        name: NAME.into(),
        news: Some(news),
        ..Default::default()
    })
}

/// A Diff of `news` against the stored outputs `olds` and inputs `old_inputs`.
fn diff_request(olds: Struct, old_inputs: Struct, news: Struct) -> tonic::Request<DiffRequest> {
    tonic::Request::new(DiffRequest {
        olds: Some(olds),
        news: Some(news),
        old_inputs: Some(old_inputs),
        urn: URN.into(),
        r#type: TYPE.into(),
        name: NAME.into(),
        ..Default::default()
    })
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let provider = Provider::new(EngineLog::default(), CancellationToken::new(), false);
    let old = inputs(&"d".repeat(1024));
    let new = inputs(&format!("{}e", "d".repeat(1023)));

    c.bench_function("check", |b| {
        b.iter(|| rt.block_on(provider.check(check_request(black_box(new.clone())))).unwrap())
    });
    c.bench_function("diff", |b| {
        b.iter(|| {
            let req = diff_request(black_box(old.clone()), old.clone(), black_box(new.clone()));
            rt.block_on(provider.diff(req)).unwrap()
        })
    });
    c.bench_function("check_plus_diff", |b| {
        b.iter(|| {
            rt.block_on(provider.check(check_request(black_box(new.clone())))).unwrap();
            rt.block_on(provider.diff(diff_request(old.clone(), old.clone(), new.clone())))
                .unwrap()
        })
    });
    c.bench_function("struct_to_typed_and_back", |b| {
        b.iter(|| {
            let typed = props::decode(&DEPLOYMENT, Some(black_box(&new)), Strictness::Lenient).0;
            props::encode(&DEPLOYMENT, &typed)
        })
    });
    c.bench_function("get_schema", |b| {
        b.iter(|| {
            rt.block_on(provider.get_schema(tonic::Request::new(GetSchemaRequest::default())))
                .unwrap()
        })
    });
}

criterion_group!(calls, benches);
criterion_main!(calls);
