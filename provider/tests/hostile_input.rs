//! Check and Diff survive any Struct: deep nesting, huge strings, wrong types, unknown and secret
//! sentinels in odd places. Always a result or CheckFailures, never a panic.

use proptest::prelude::*;
use prost_types::{ListValue, Struct, Value, value::Kind};
use provider::config;
use provider::config::keys::CONFIG;
use provider::decl::props::{self, Strictness};
use provider::decl::{check, diff};
use provider::resources::deployment::DEPLOYMENT;

const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG: &str = "4dabf18193072939515e22adb298388d";

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value { kind: None }),
        Just(Value {
            kind: Some(Kind::NullValue(0))
        }),
        any::<bool>().prop_map(|b| Value {
            kind: Some(Kind::BoolValue(b))
        }),
        any::<f64>().prop_map(|n| Value {
            kind: Some(Kind::NumberValue(n))
        }),
        ".{0,40}".prop_map(|s| Value {
            kind: Some(Kind::StringValue(s))
        }),
        (0usize..5000).prop_map(|n| Value {
            kind: Some(Kind::StringValue("é".repeat(n)))
        }),
        Just(Value {
            kind: Some(Kind::StringValue(UNKNOWN.into()))
        }),
        Just(Value {
            kind: Some(Kind::StringValue("\u{0}\u{fffd}\\u0000".into()))
        }),
    ]
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("apiId".to_string()),
        Just("description".to_string()),
        Just("triggers".to_string()),
        Just("stageName".to_string()),
        Just("autoDeployed".to_string()),
        Just("value".to_string()),
        Just(SIG.to_string()),
        Just("secret".to_string()),
        ".{0,12}",
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(12, 256, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|values| Value {
                kind: Some(Kind::ListValue(ListValue { values }))
            }),
            prop::collection::btree_map(field_name(), inner.clone(), 0..6).prop_map(|m| Value {
                kind: Some(Kind::StructValue(Struct {
                    fields: m.into_iter().collect()
                }))
            }),
            // Secret and output-value wrappers around anything, with valid and bogus signatures.
            (
                inner.clone(),
                prop_oneof![
                    Just("1b47061264138c4ac30d75fd1eb44270"),
                    Just("d0e6a833031e9bbcd3f4e8bde6ca49a4"),
                    Just("5cf8f73096256a8f31e491e813e4eb8e"),
                    Just("bogus")
                ]
            )
                .prop_map(|(v, sig)| {
                    let mut fields = std::collections::BTreeMap::new();
                    fields.insert(
                        SIG.to_string(),
                        Value {
                            kind: Some(Kind::StringValue(sig.into())),
                        },
                    );
                    fields.insert("value".to_string(), v);
                    Value {
                        kind: Some(Kind::StructValue(Struct {
                            fields: fields.into_iter().collect(),
                        })),
                    }
                }),
        ]
    })
}

fn strukt() -> impl Strategy<Value = Struct> {
    prop::collection::btree_map(field_name(), value(), 0..8).prop_map(|m| Struct {
        fields: m.into_iter().collect(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Check answers every Struct with inputs or failures that name a property and a reason.
    #[test]
    fn check_never_panics(s in strukt()) {
        match check::check(&DEPLOYMENT, Some(&s), &check::FromProvider::default()) {
            Ok(props) => prop_assert!(props.known("apiId").is_some() || props.get("apiId").is_some()),
            Err(failures) => {
                prop_assert!(!failures.is_empty());
                for f in failures {
                    prop_assert!(!f.property.is_empty() && !f.reason.is_empty());
                }
            }
        }
        let _ = config::check_config(Some(&s));
    }

    /// Diff compares any two Structs without panicking, and a Struct never differs from itself.
    #[test]
    fn diff_never_panics(a in strukt(), b in strukt()) {
        let da = props::decode(&DEPLOYMENT, Some(&a), Strictness::Lenient).0;
        let db = props::decode(&DEPLOYMENT, Some(&b), Strictness::Lenient).0;
        let _ = diff::diff(&DEPLOYMENT, &da, &db, &[]);
        let same = diff::diff(&DEPLOYMENT, &da, &da, &[]);
        prop_assert!(same.changes.iter().all(|(_, k)| *k == diff::ChangeKind::Update || *k == diff::ChangeKind::UpdateReplace),
            "only unknowns may differ from themselves: {:?}", same.changes);
        let dc = props::decode(&CONFIG, Some(&a), Strictness::Lenient).0;
        let _ = diff::diff(&CONFIG, &dc, &dc, &[]);
    }

    /// Decoding state from an owned Struct (Diff's moves) gives exactly what decoding a borrowed
    /// one gives.
    #[test]
    fn owned_decode_is_lenient_decode(s in strukt()) {
        for decl in [&DEPLOYMENT, &CONFIG] {
            let borrowed = props::decode(decl, Some(&s), Strictness::Lenient).0;
            prop_assert_eq!(props::decode_owned(decl, Some(s.clone())), borrowed);
        }
    }

    /// Encoding what was decoded and decoding again gives the same properties.
    #[test]
    fn decode_encode_round_trip(s in strukt()) {
        let once = props::decode(&DEPLOYMENT, Some(&s), Strictness::Lenient).0;
        let again = props::decode(&DEPLOYMENT, Some(&props::encode(&DEPLOYMENT, &once)), Strictness::Lenient).0;
        prop_assert_eq!(once, again);
    }
}
