//! Check: the rules of a declaration (required, lengths, ranges) applied to decoded properties.
//! Unknown values pass: they are checked again once known.

use prost_types::Struct;

use crate::props::{self, Failure, Props, Slot, Strictness, Val};
use crate::resource::ResourceDecl;

/// Program inputs as Check returns them to the engine: normalised (see [`props::normalize`]).
pub fn normalize(decl: &ResourceDecl, news: Option<Struct>) -> Option<Struct> {
    news.map(|s| props::normalize(decl, s))
}

/// Decodes and validates (normalised) program inputs; returns the typed inputs or every failure.
pub fn check(decl: &ResourceDecl, news: Option<&Struct>) -> Result<Props, Vec<Failure>> {
    let (props, mut failures) = props::decode(decl, news, Strictness::Inputs);
    // A property whose shape was wrong is reported once, not also as missing.
    let rule_failures: Vec<Failure> = rules(decl, &props)
        .into_iter()
        .filter(|r| !failures.iter().any(|f| f.property == r.property))
        .collect();
    failures.extend(rule_failures);
    if failures.is_empty() { Ok(props) } else { Err(failures) }
}

/// The declaration's per-field rules.
pub fn rules(decl: &ResourceDecl, props: &Props) -> Vec<Failure> {
    let mut failures = Vec::new();
    for field in decl.inputs() {
        let name = field.name;
        match props.get(name) {
            None if field.required => failures.push(Failure::new(name, format!("missing required property {name}"))),
            Some(Slot::Known(Val::Str(s))) => {
                let n = s.chars().count();
                if let (Some(min), Some(max)) = (field.min_len, field.max_len)
                    && (n < min || n > max)
                {
                    let rule = if min == 0 {
                        format!("at most {max} characters")
                    } else {
                        format!("{min} to {max} characters")
                    };
                    failures.push(Failure::new(name, format!("{name} must be {rule} long, got {n}")));
                }
            }
            Some(Slot::Known(Val::Int(i))) => {
                if let (Some(min), Some(max)) = (field.min_int, field.max_int)
                    && (*i < min || *i > max)
                {
                    failures.push(Failure::new(name, format!("{name} must be between {min} and {max}, got {i}")));
                }
            }
            _ => {}
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::UNKNOWN;
    use crate::resource::DEPLOYMENT;
    use prost_types::{Value, value::Kind};

    fn s(v: &str) -> Value {
        Value {
            kind: Some(Kind::StringValue(v.into())),
        }
    }
    fn n(v: f64) -> Value {
        Value {
            kind: Some(Kind::NumberValue(v)),
        }
    }
    fn obj(fields: Vec<(&str, Value)>) -> Value {
        Value {
            kind: Some(Kind::StructValue(strukt(fields))),
        }
    }
    fn list(values: Vec<Value>) -> Value {
        Value {
            kind: Some(Kind::ListValue(prost_types::ListValue { values })),
        }
    }
    fn strukt(fields: Vec<(&str, Value)>) -> Struct {
        Struct {
            fields: fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }
    fn failures(fields: Vec<(&str, Value)>) -> Vec<(String, String)> {
        match check(&DEPLOYMENT, normalize(&DEPLOYMENT, Some(strukt(fields))).as_ref()) {
            Ok(_) => vec![],
            Err(f) => f.into_iter().map(|f| (f.property, f.reason)).collect(),
        }
    }

    /// One row per rule of the resource table: the property path and the rule it names.
    #[test]
    fn table() {
        let long = "x".repeat(1025);
        type Row<'a> = (&'a str, Vec<(&'a str, Value)>, Option<(&'a str, &'a str)>);
        let rows: Vec<Row> = vec![
            ("minimal", vec![("apiId", s("abc"))], None),
            (
                "full",
                vec![
                    ("apiId", s("abc")),
                    ("description", s("d")),
                    ("triggers", obj(vec![("h", s("1"))])),
                    ("stageName", s("prod")),
                ],
                None,
            ),
            (
                "missing apiId",
                vec![("description", s("d"))],
                Some(("apiId", "missing required property apiId")),
            ),
            (
                "empty apiId",
                vec![("apiId", s(""))],
                Some(("apiId", "apiId must be 1 to 128 characters long, got 0")),
            ),
            (
                "apiId number",
                vec![("apiId", n(3.0))],
                Some(("apiId", "apiId must be a string, not a number")),
            ),
            (
                "description 1024 ok",
                vec![("apiId", s("a")), ("description", s(&"x".repeat(1024)))],
                None,
            ),
            (
                "description 1025",
                vec![("apiId", s("a")), ("description", s(&long))],
                Some(("description", "description must be at most 1024 characters long, got 1025")),
            ),
            (
                "description list",
                vec![("apiId", s("a")), ("description", list(vec![s("x")]))],
                Some(("description", "description must be a string, not a list")),
            ),
            (
                "triggers number",
                vec![("apiId", s("a")), ("triggers", n(1.0))],
                Some(("triggers", "triggers must be a map of strings, not a number")),
            ),
            (
                "trigger value number is taken as text",
                vec![("apiId", s("a")), ("triggers", obj(vec![("k", n(1.0))]))],
                None,
            ),
            (
                "trigger value list",
                vec![("apiId", s("a")), ("triggers", obj(vec![("k", list(vec![s("x")]))]))],
                Some(("triggers.k", "triggers.k must be a string, not a list")),
            ),
            (
                "trigger odd key",
                vec![("apiId", s("a")), ("triggers", obj(vec![("a.b", obj(vec![]))]))],
                Some(("triggers[\"a.b\"]", "triggers[\"a.b\"] must be a string, not an object")),
            ),
            (
                "stageName empty",
                vec![("apiId", s("a")), ("stageName", s(""))],
                Some(("stageName", "stageName must be 1 to 128 characters long, got 0")),
            ),
            (
                "stageName 129",
                vec![("apiId", s("a")), ("stageName", s(&"s".repeat(129)))],
                Some(("stageName", "stageName must be 1 to 128 characters long, got 129")),
            ),
            (
                "unknown name",
                vec![("apiId", s("a")), ("descripton", s("x"))],
                Some((
                    "descripton",
                    "unknown property descripton; expected one of: apiId, description, triggers, stageName, redeployOnApiChange",
                )),
            ),
            (
                "output set",
                vec![
                    ("apiId", s("a")),
                    (
                        "autoDeployed",
                        Value {
                            kind: Some(Kind::BoolValue(true)),
                        },
                    ),
                ],
                Some(("autoDeployed", "autoDeployed is an output and cannot be set")),
            ),
            ("unknown apiId passes", vec![("apiId", s(UNKNOWN))], None),
            (
                "unknown trigger value passes",
                vec![("apiId", s("a")), ("triggers", obj(vec![("k", s(UNKNOWN))]))],
                None,
            ),
            (
                "secret description checked",
                vec![("apiId", s("a")), ("description", crate::props::secret_value(s(&long)))],
                Some(("description", "description must be at most 1024 characters long, got 1025")),
            ),
            (
                "null description is absent",
                vec![
                    ("apiId", s("a")),
                    (
                        "description",
                        Value {
                            kind: Some(Kind::NullValue(0)),
                        },
                    ),
                ],
                None,
            ),
            ("engine keys ignored", vec![("apiId", s("a")), ("__defaults", list(vec![]))], None),
        ];
        for (name, fields, expected) in rows {
            let got = failures(fields);
            match expected {
                None => assert!(got.is_empty(), "{name}: unexpected {got:?}"),
                Some((path, reason)) => assert_eq!(got, vec![(path.to_string(), reason.to_string())], "{name}"),
            }
        }
    }

    /// Numbers and booleans in triggers become the text Terraform gives them, secret ones too.
    #[test]
    fn trigger_scalars_become_strings() {
        let b = Value {
            kind: Some(Kind::BoolValue(true)),
        };
        let news = strukt(vec![
            ("apiId", s("a")),
            (
                "triggers",
                obj(vec![
                    ("v", n(2.0)),
                    ("f", n(2.5)),
                    ("b", b),
                    ("hidden", crate::props::secret_value(n(7.0))),
                ]),
            ),
        ]);
        let normalized = normalize(&DEPLOYMENT, Some(news)).unwrap();
        let props = check(&DEPLOYMENT, Some(&normalized)).unwrap();
        let expected: std::collections::BTreeMap<String, String> = [("v", "2"), ("f", "2.5"), ("b", "true"), ("hidden", "7")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(props.known("triggers"), Some(&Val::Map(expected)));
        assert!(props.is_secret("triggers"));
    }

    /// A secret input decodes as secret and unknown inputs decode as unknown.
    #[test]
    fn secrets_and_unknowns_are_tracked() {
        let props = check(
            &DEPLOYMENT,
            Some(&strukt(vec![
                ("apiId", s(UNKNOWN)),
                ("description", crate::props::secret_value(s("hush"))),
            ])),
        )
        .unwrap();
        assert!(props.is_secret("description"));
        assert_eq!(props.str("description"), Some("hush"));
        assert_eq!(props.get("apiId"), Some(&Slot::Unknown));
    }
}
