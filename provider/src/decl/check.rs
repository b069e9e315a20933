//! Check: the rules of a declaration (required, lengths, ranges) applied to decoded properties.
//! Unknown values pass: they are checked again once known.

use prost_types::Struct;

use crate::decl::props::{self, Failure, Props, Slot, Strictness, Val, field_path};
use crate::decl::{Field, Format, Kind, ResourceDecl, Role};

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
    field_rules(decl.fields, props, "", &mut failures);
    failures
}

fn field_rules(fields: &[Field], props: &Props, prefix: &str, failures: &mut Vec<Failure>) {
    for field in fields.iter().filter(|f| f.role == Role::Input) {
        let name = field_path(prefix, field.name);
        match props.get(field.name) {
            None if field.required => failures.push(Failure::new(&name, format!("missing required property {name}"))),
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
                    failures.push(Failure::new(&name, format!("{name} must be {rule} long, got {n}")));
                } else if let Some(format) = field.format
                    && let Err(rule) = check_format(format, s)
                {
                    failures.push(Failure::new(&name, format!("{name} must be {rule}, got {s:?}")));
                }
            }
            Some(Slot::Known(Val::Int(i))) => {
                if let (Some(min), Some(max)) = (field.min_int, field.max_int)
                    && (*i < min || *i > max)
                {
                    failures.push(Failure::new(&name, format!("{name} must be between {min} and {max}, got {i}")));
                }
            }
            Some(Slot::Known(Val::List(items))) => {
                if let Some(format) = field.format {
                    for (i, item) in items.iter().enumerate() {
                        if let Err(rule) = check_format(format, item) {
                            failures.push(Failure::new(
                                format!("{name}[{i}]"),
                                format!("{name}[{i}] must be {rule}, got {item:?}"),
                            ));
                        }
                    }
                }
            }
            Some(Slot::Known(Val::Object(o))) => {
                if let Kind::Object(d) = field.kind {
                    field_rules(d.fields, o, &name, failures);
                }
            }
            Some(Slot::Known(Val::Objects(os))) => {
                if let Kind::ObjectList(d) = field.kind {
                    if let Some(max) = d.max_items
                        && os.len() > max
                    {
                        failures.push(Failure::new(&name, format!("{name} takes at most {max} item(s), got {}", os.len())));
                    }
                    for (i, o) in os.iter().enumerate() {
                        field_rules(d.fields, o, &format!("{name}[{i}]"), failures);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Checks a string against a format; the error is the rule in words.
pub fn check_format(format: Format, s: &str) -> Result<(), String> {
    let ok = match format {
        Format::Url => {
            let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
            rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        }
        Format::RoleArn => arn_resource(s, "iam")
            .is_some_and(|(account, resource)| is_account_id(account) && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty())),
        Format::PolicyArn => arn_resource(s, "iam").is_some_and(|(account, resource)| {
            (account == "aws" || is_account_id(account)) && resource.strip_prefix("policy/").is_some_and(|n| !n.is_empty())
        }),
        Format::AccountId => is_account_id(s),
        Format::Duration { min_secs, max_secs } => {
            return match parse_duration(s) {
                None => Err("a duration such as 1h, 90m or 3600s (units h, m, s, ms, us, ns)".into()),
                Some(d) if d.as_secs_f64() < min_secs as f64 || d.as_secs_f64() > max_secs as f64 => {
                    Err(format!("between {} and {} (AWS's range)", words(min_secs), words(max_secs)))
                }
                Some(_) => Ok(()),
            };
        }
        Format::Json => serde_json::from_str::<serde_json::Value>(s).is_ok(),
        Format::OneOf(words) => words.contains(&s),
        Format::TableName => s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')),
    };
    if ok { Ok(()) } else { Err(describe_format(format)) }
}

/// A format's rule in words, for failures and the docs.
pub fn describe_format(format: Format) -> String {
    match format {
        Format::Url => "an http:// or https:// URL".into(),
        Format::RoleArn => "an IAM role ARN (arn:aws:iam::123456789012:role/name)".into(),
        Format::PolicyArn => "an IAM policy ARN (arn:aws:iam::aws:policy/name)".into(),
        Format::AccountId => "a 12-digit AWS account id".into(),
        Format::Duration { min_secs, max_secs } => format!("a duration from {} to {} (e.g. 1h, 90m)", words(min_secs), words(max_secs)),
        Format::Json => "a JSON document".into(),
        Format::OneOf(words) => format!("one of {}", words.join(", ")),
        Format::TableName => "a DynamoDB table name (letters, digits, _, - and .)".into(),
    }
}

fn words(secs: u64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:<partition>:<service>::<account>:<resource>` split into account and resource.
fn arn_resource<'a>(s: &'a str, service: &str) -> Option<(&'a str, &'a str)> {
    let mut parts = s.splitn(6, ':');
    let (arn, partition, svc, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (arn == "arn" && partition.starts_with("aws") && svc == service && region.is_empty()).then_some((account, resource))
}

/// A duration as Go (and so pulumi-aws) writes it: numbers with units, e.g. `1h30m`, `900s`.
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += n * factor;
        rest = &rest[unit_len..];
    }
    Some(std::time::Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::props::UNKNOWN;
    use crate::resources::deployment::DEPLOYMENT;
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
                vec![("apiId", s("a")), ("description", crate::decl::props::secret_value(s(&long)))],
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
                    ("hidden", crate::decl::props::secret_value(n(7.0))),
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
                ("description", crate::decl::props::secret_value(s("hush"))),
            ])),
        )
        .unwrap();
        assert!(props.is_secret("description"));
        assert_eq!(props.str("description"), Some("hush"));
        assert_eq!(props.get("apiId"), Some(&Slot::Unknown));
    }
}
