//! Check: the rules of a declaration (required, lengths, ranges) applied to decoded properties.
//! Unknown values pass: they are checked again once known.

use prost_types::Struct;

use crate::decl::props::{self, Failure, Props, Slot, Strictness, Val, field_path};
use crate::decl::{Field, Format, Kind, ResourceDecl, Role};

/// Program inputs as Check returns them to the engine: normalised (see [`props::normalize`]).
pub fn normalize(decl: &ResourceDecl, news: Option<Struct>) -> Option<Struct> {
    news.map(|s| props::normalize(decl, s))
}

/// What the configured provider lends the inputs declared `from_provider` (its value of the
/// config key of the same name; unknown while its configuration is, absent before Configure),
/// and whether it checks region names.
#[derive(Debug, Clone, Default)]
pub struct FromProvider {
    pub values: Props,
    pub skip_region_validation: bool,
}

impl FromProvider {
    /// Sets each `from_provider` input that `props` lacks to the provider's value.
    pub fn fill(&self, decl: &ResourceDecl, props: &mut Props) {
        for field in decl.inputs().filter(|f| f.from_provider) {
            if props.get(field.name).is_none() {
                props.copy_from(field.name, &self.values);
            }
        }
    }

    /// Diff's olds and news: state written before a `from_provider` input existed lacks it, and
    /// its object lives where the provider was then, taken to be where it is now; so an upgrade
    /// alone changes nothing. While the provider's value is unknown there is nothing to compare
    /// such state with, and the field is left out of the comparison.
    pub fn fill_diff(&self, decl: &ResourceDecl, olds: &mut Props, old_outputs: &mut Props, news: &mut Props) {
        self.fill(decl, news);
        for field in decl.inputs().filter(|f| f.from_provider) {
            if olds.get(field.name).is_some() {
                continue;
            }
            match self.values.get(field.name) {
                Some(Slot::Known(_)) => {
                    olds.copy_from(field.name, &self.values);
                    if old_outputs.get(field.name).is_none() {
                        old_outputs.copy_from(field.name, &self.values);
                    }
                }
                _ => news.remove(field.name),
            }
        }
    }

    /// The same on program inputs as the engine sends them (Check's reply carries them back).
    pub fn fill_struct(&self, decl: &ResourceDecl, news: &mut Struct) {
        let mut lent = Props::default();
        for field in decl.inputs().filter(|f| f.from_provider) {
            let absent = news
                .fields
                .get(field.name)
                .is_none_or(|v| matches!(v.kind, None | Some(prost_types::value::Kind::NullValue(_))));
            if absent {
                lent.copy_from(field.name, &self.values);
            }
        }
        news.fields.extend(props::encode(decl, &lent).fields);
    }

    fn region(&self) -> Option<&str> {
        self.values.str(crate::decl::REGION)
    }
}

/// Puts the `checked_input` values a resource's Check found into the inputs Check returns (and
/// takes out any an earlier Check wrote that ignoreChanges copied back).
pub fn set_checked_inputs(decl: &ResourceDecl, news: &mut Struct, found: &Props) {
    let mut checked = Props::default();
    for field in decl.fields.iter().filter(|f| f.checked_input) {
        news.fields.remove(field.name);
        checked.copy_from(field.name, found);
    }
    news.fields.extend(props::encode(decl, &checked).fields);
}

/// Decodes and validates (normalised) program inputs; returns the typed inputs or every failure.
pub fn check(decl: &ResourceDecl, news: Option<&Struct>, provider: &FromProvider) -> Result<Props, Vec<Failure>> {
    let (props, mut failures) = props::decode(decl, news, Strictness::Inputs);
    // A property whose shape was wrong is reported once, not also as missing.
    let rule_failures: Vec<Failure> = rules(decl, &props, provider)
        .into_iter()
        .filter(|r| !failures.iter().any(|f| f.property == r.property))
        .collect();
    failures.extend(rule_failures);
    if failures.is_empty() { Ok(props) } else { Err(failures) }
}

/// The declaration's per-field rules.
pub fn rules(decl: &ResourceDecl, props: &Props, provider: &FromProvider) -> Vec<Failure> {
    let mut failures = Vec::new();
    field_rules(decl.fields, props, "", provider, &mut failures);
    failures
}

/// Whether a region name looks like AWS's (`us-east-1`, `us-gov-west-1`, `cn-north-1`,
/// `us-isob-east-1`, `eu-central-2`).
pub fn looks_like_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

/// The AWS partition a region belongs to, from its name (AWS's partition rules by prefix).
pub fn partition_of(region: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

/// A region input against the provider: a region name, of the provider's partition.
fn region_rule(name: &str, region: &str, provider: &FromProvider) -> Option<String> {
    if provider.skip_region_validation {
        return None;
    }
    if !looks_like_region(region) {
        return Some(format!(
            "{name} must be an AWS region name such as us-east-1, got {region:?} (the provider's skipRegionValidation: true allows it)"
        ));
    }
    let home = provider.region()?;
    let (want, got) = (partition_of(home), partition_of(region));
    (want != got).then(|| {
        format!(
            "{name} must be a region of the provider's partition {want} (the provider's region is {home}), got {region:?}, which is in {got}; \
             regions of {got} need a provider configured for {got}"
        )
    })
}

fn field_rules(fields: &[Field], props: &Props, prefix: &str, provider: &FromProvider, failures: &mut Vec<Failure>) {
    for field in fields.iter().filter(|f| f.role == Role::Input) {
        let name = field_path(prefix, field.name);
        match props.get(field.name) {
            None if field.required => failures.push(Failure::new(&*name, format!("missing required property {name}"))),
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
                    failures.push(Failure::new(&*name, format!("{name} must be {rule} long, got {n}")));
                } else if field.format == Some(Format::Region) {
                    if let Some(reason) = region_rule(&name, s, provider) {
                        failures.push(Failure::new(&*name, reason));
                    }
                } else if let Some(format) = field.format
                    && let Err(rule) = check_format(format, s)
                {
                    failures.push(Failure::new(&*name, format!("{name} must be {rule}, got {s:?}")));
                }
            }
            Some(Slot::Known(Val::Int(i))) => {
                if let (Some(min), Some(max)) = (field.min_int, field.max_int)
                    && (*i < min || *i > max)
                {
                    failures.push(Failure::new(&*name, format!("{name} must be between {min} and {max}, got {i}")));
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
                    field_rules(d.fields, o, &name, provider, failures);
                }
            }
            Some(Slot::Known(Val::Objects(os))) => {
                if let Kind::ObjectList(d) = field.kind {
                    if let Some(max) = d.max_items
                        && os.len() > max
                    {
                        failures.push(Failure::new(
                            &*name,
                            format!("{name} takes at most {max} item(s), got {}", os.len()),
                        ));
                    }
                    for (i, o) in os.iter().enumerate() {
                        field_rules(d.fields, o, &format!("{name}[{i}]"), provider, failures);
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
        Format::Region => looks_like_region(s),
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
        Format::Region => "an AWS region of the provider's partition (e.g. us-east-1)".into(),
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
    /// A provider configured for us-east-1.
    fn provider() -> FromProvider {
        let mut values = Props::default();
        values.set(crate::decl::REGION, Val::Str("us-east-1".into()));
        FromProvider {
            values,
            skip_region_validation: false,
        }
    }
    fn failures(fields: Vec<(&str, Value)>) -> Vec<(String, String)> {
        match check(&DEPLOYMENT, normalize(&DEPLOYMENT, Some(strukt(fields))).as_ref(), &provider()) {
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
                    "unknown property descripton; expected one of: apiId, description, triggers, stageName, region, redeployOnApiChange",
                )),
            ),
            ("region of the partition", vec![("apiId", s("a")), ("region", s("eu-west-1"))], None),
            (
                "region of another partition",
                vec![("apiId", s("a")), ("region", s("cn-north-1"))],
                Some((
                    "region",
                    "region must be a region of the provider's partition aws (the provider's region is us-east-1), got \"cn-north-1\", which is in aws-cn; regions of aws-cn need a provider configured for aws-cn",
                )),
            ),
            (
                "region not a region",
                vec![("apiId", s("a")), ("region", s("Europe"))],
                Some((
                    "region",
                    "region must be an AWS region name such as us-east-1, got \"Europe\" (the provider's skipRegionValidation: true allows it)",
                )),
            ),
            ("unknown region passes", vec![("apiId", s("a")), ("region", s(UNKNOWN))], None),
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
        let props = check(&DEPLOYMENT, Some(&normalized), &provider()).unwrap();
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
            &provider(),
        )
        .unwrap();
        assert!(props.is_secret("description"));
        assert_eq!(props.str("description"), Some("hush"));
        assert_eq!(props.get("apiId"), Some(&Slot::Unknown));
    }

    /// An unset region takes the provider's (unknown while the provider's is); a set one, or an
    /// explicit null's absence of one, is kept as the program gave it.
    #[test]
    fn region_is_lent_by_the_provider() {
        let lent = |news: Vec<(&str, Value)>, p: &FromProvider| {
            let mut st = strukt(news);
            p.fill_struct(&DEPLOYMENT, &mut st);
            st.fields.get("region").cloned()
        };
        assert_eq!(lent(vec![("apiId", s("a"))], &provider()), Some(s("us-east-1")));
        let null = Value {
            kind: Some(Kind::NullValue(0)),
        };
        assert_eq!(lent(vec![("apiId", s("a")), ("region", null)], &provider()), Some(s("us-east-1")));
        assert_eq!(
            lent(vec![("apiId", s("a")), ("region", s("eu-west-1"))], &provider()),
            Some(s("eu-west-1"))
        );
        let mut unknown = FromProvider::default();
        unknown.values.set_unknown(crate::decl::REGION);
        assert_eq!(lent(vec![("apiId", s("a"))], &unknown), Some(s(UNKNOWN)));
        assert_eq!(lent(vec![("apiId", s("a"))], &FromProvider::default()), None);
        let mut props = Props::default();
        provider().fill(&DEPLOYMENT, &mut props);
        assert_eq!(props.str("region"), Some("us-east-1"));
    }

    /// State without a region is where the provider is: no change against the provider's region,
    /// a replacement against another; nothing compared while the provider's region is unknown.
    #[test]
    fn state_before_regions_is_where_the_provider_is() {
        let props = |region: Option<&str>| {
            let mut p = Props::default();
            p.set("apiId", Val::Str("a".into()));
            if let Some(r) = region {
                p.set(crate::decl::REGION, Val::Str(r.into()));
            }
            p
        };
        let planned = |lent: &FromProvider, news: Option<&str>| {
            let (mut olds, mut outs, mut news) = (props(None), props(None), props(news));
            lent.fill_diff(&DEPLOYMENT, &mut olds, &mut outs, &mut news);
            assert_eq!(olds.get(crate::decl::REGION), outs.get(crate::decl::REGION));
            crate::decl::diff::diff(&DEPLOYMENT, &olds, &news, &[]).changes
        };
        assert_eq!(planned(&provider(), Some("us-east-1")), vec![]);
        assert_eq!(planned(&provider(), None), vec![]);
        assert_eq!(
            planned(&provider(), Some("eu-west-1")),
            vec![("region", crate::decl::diff::ChangeKind::UpdateReplace)]
        );
        let mut unknown = FromProvider::default();
        unknown.values.set_unknown(crate::decl::REGION);
        assert_eq!(planned(&unknown, None), vec![]);
    }

    /// Partitions by prefix, as AWS names them.
    #[test]
    fn partitions() {
        for (region, partition) in [
            ("us-east-1", "aws"),
            ("eu-central-2", "aws"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
        ] {
            assert_eq!(partition_of(region), partition, "{region}");
        }
    }
}
