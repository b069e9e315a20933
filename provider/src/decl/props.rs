//! The protocol edge for values: `google.protobuf.Struct` in and out, with Pulumi's unknown and
//! secret sentinels decoded here and nowhere else. Decoding follows a [`ResourceDecl`], so shape
//! errors (a number where a string belongs) come out as check failures with the property path.

use prost_types::{Struct, Value, value::Kind as PbKind};
use std::collections::{BTreeMap, BTreeSet};

use crate::decl::{Field, Kind, ObjectDecl, ResourceDecl, Role};

/// The engine's marker for a value not known until apply.
pub const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG_KEY: &str = "4dabf18193072939515e22adb298388d";
const SECRET_SIG: &str = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_REF_SIG: &str = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_VALUE_SIG: &str = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/// A known, well-typed property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    Bool(bool),
    Int(i64),
    Map(BTreeMap<String, String>),
    List(Vec<String>),
    Object(Box<Props>),
    Objects(Vec<Props>),
}

/// A property that is present: known, or unknown until apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    Unknown,
    Known(Val),
}

/// Typed properties of one resource (or of the provider configuration), with which of them are
/// secret. Absent properties are simply not in the map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Props {
    values: BTreeMap<&'static str, Slot>,
    secret: BTreeSet<&'static str>,
}

/// A validation failure: the property path and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub property: String,
    pub reason: String,
}

impl Failure {
    pub fn new(property: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            property: property.into(),
            reason: reason.into(),
        }
    }
}

impl Props {
    pub fn get(&self, name: &str) -> Option<&Slot> {
        self.values.get(name)
    }

    /// The value when it is present and known.
    pub fn known(&self, name: &str) -> Option<&Val> {
        match self.values.get(name) {
            Some(Slot::Known(v)) => Some(v),
            _ => None,
        }
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        match self.known(name) {
            Some(Val::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.known(name) {
            Some(Val::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.known(name) {
            Some(Val::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn list(&self, name: &str) -> Option<&[String]> {
        match self.known(name) {
            Some(Val::List(l)) => Some(l),
            _ => None,
        }
    }

    pub fn map(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        match self.known(name) {
            Some(Val::Map(m)) => Some(m),
            _ => None,
        }
    }

    pub fn object(&self, name: &str) -> Option<&Props> {
        match self.known(name) {
            Some(Val::Object(o)) => Some(o),
            _ => None,
        }
    }

    pub fn objects(&self, name: &str) -> Option<&[Props]> {
        match self.known(name) {
            Some(Val::Objects(o)) => Some(o),
            _ => None,
        }
    }

    /// Whether any value, nested ones included, is unknown.
    pub fn has_unknowns(&self) -> bool {
        self.values.values().any(|s| match s {
            Slot::Unknown => true,
            Slot::Known(Val::Object(o)) => o.has_unknowns(),
            Slot::Known(Val::Objects(os)) => os.iter().any(Props::has_unknowns),
            Slot::Known(_) => false,
        })
    }

    pub fn is_secret(&self, name: &str) -> bool {
        self.secret.contains(name)
    }

    pub fn set(&mut self, name: &'static str, value: Val) {
        self.values.insert(name, Slot::Known(value));
    }

    /// Marks a property as present but not known until apply.
    pub fn set_unknown(&mut self, name: &'static str) {
        self.values.insert(name, Slot::Unknown);
    }

    /// Sets a property, or removes it when there is no value.
    pub fn set_opt(&mut self, name: &'static str, value: Option<Val>) {
        match value {
            Some(v) => self.set(name, v),
            None => self.remove(name),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.values.remove(name);
    }

    /// Moves a known string out (typed values are made from Props they own, without copying).
    pub fn take_str(&mut self, name: &str) -> Option<String> {
        match self.values.remove(name) {
            Some(Slot::Known(Val::Str(s))) => Some(s),
            _ => None,
        }
    }

    /// Moves a known map out.
    pub fn take_map(&mut self, name: &str) -> Option<BTreeMap<String, String>> {
        match self.values.remove(name) {
            Some(Slot::Known(Val::Map(m))) => Some(m),
            _ => None,
        }
    }

    /// Copies one property (value and secrecy) from `other`, or removes it when `other` lacks it.
    pub fn copy_from(&mut self, name: &'static str, other: &Props) {
        match other.values.get(name) {
            Some(slot) => {
                self.values.insert(name, slot.clone());
            }
            None => self.remove(name),
        }
        if other.secret.contains(name) {
            self.secret.insert(name);
        }
    }

    /// Marks as secret here every property that is secret in `other` (values stay as they are).
    pub fn keep_secrets_of(&mut self, other: &Props) {
        self.secret.extend(other.secret.iter().copied());
    }

    /// Keeps only what checked inputs hold: the declaration's inputs and `checked_input` outputs.
    pub fn inputs_only(mut self, decl: &ResourceDecl) -> Props {
        let kept = |name: &str| decl.checked_inputs().any(|f| f.name == name);
        self.values.retain(|name, _| kept(name));
        self.secret.retain(|name| kept(name));
        self
    }
}

/// What `decode` should do with names the declaration does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Inputs from a program: unknown names and output-only names are failures.
    Inputs,
    /// Stored state or AWS-shaped data: take what is declared, ignore the rest.
    Lenient,
}

fn describe(v: &Value) -> &'static str {
    match &v.kind {
        None | Some(PbKind::NullValue(_)) => "null",
        Some(PbKind::NumberValue(_)) => "a number",
        Some(PbKind::StringValue(_)) => "a string",
        Some(PbKind::BoolValue(_)) => "a boolean",
        Some(PbKind::StructValue(_)) => "an object",
        Some(PbKind::ListValue(_)) => "a list",
    }
}

fn sig(v: &Value) -> Option<(&str, &Struct)> {
    match &v.kind {
        Some(PbKind::StructValue(s)) => match s.fields.get(SIG_KEY).and_then(|x| x.kind.as_ref()) {
            Some(PbKind::StringValue(sig)) => Some((sig.as_str(), s)),
            _ => None,
        },
        _ => None,
    }
}

/// A value with the engine's wrappers taken off.
enum Plain<'a> {
    Unknown,
    Null,
    Value(&'a Value),
}

/// Strips secret and output-value wrappers (recording secrecy) and recognises unknowns.
fn unwrap<'a>(v: &'a Value, secret: &mut bool, depth: usize) -> Result<Plain<'a>, String> {
    if depth > 8 {
        return Err("is wrapped in too many secret or output markers".into());
    }
    if let Some(PbKind::StringValue(s)) = &v.kind
        && s == UNKNOWN
    {
        return Ok(Plain::Unknown);
    }
    match sig(v) {
        None => match &v.kind {
            None | Some(PbKind::NullValue(_)) => Ok(Plain::Null),
            _ => Ok(Plain::Value(v)),
        },
        Some((SECRET_SIG, s)) => {
            *secret = true;
            match s.fields.get("value") {
                Some(inner) => unwrap(inner, secret, depth + 1),
                None => Ok(Plain::Null),
            }
        }
        Some((OUTPUT_VALUE_SIG, s)) => {
            if matches!(s.fields.get("secret").and_then(|x| x.kind.as_ref()), Some(PbKind::BoolValue(true))) {
                *secret = true;
            }
            match s.fields.get("value") {
                Some(inner) => unwrap(inner, secret, depth + 1),
                None => Ok(Plain::Unknown),
            }
        }
        Some((RESOURCE_REF_SIG, _)) => Err("is a resource reference, where a plain value is expected".into()),
        Some((other, _)) => Err(format!("carries an unrecognised value signature '{other}'")),
    }
}

fn map_key_path(field: &str, key: &str) -> String {
    let simple = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if simple {
        format!("{field}.{key}")
    } else {
        format!("{field}[{key:?}]")
    }
}

/// Configuration from the engine carries lists and objects as JSON text (stack config is text);
/// programs send them as values. Both decode the same.
fn json_to_value(j: &serde_json::Value) -> Value {
    let kind = match j {
        serde_json::Value::Null => PbKind::NullValue(0),
        serde_json::Value::Bool(b) => PbKind::BoolValue(*b),
        serde_json::Value::Number(n) => PbKind::NumberValue(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => PbKind::StringValue(s.clone()),
        serde_json::Value::Array(a) => PbKind::ListValue(prost_types::ListValue {
            values: a.iter().map(json_to_value).collect(),
        }),
        serde_json::Value::Object(o) => PbKind::StructValue(Struct {
            fields: o.iter().map(|(k, v)| (k.clone(), json_to_value(v))).collect(),
        }),
    };
    Value { kind: Some(kind) }
}

/// The value, or the value its JSON text stands for when a list or object came as text.
fn structured(kind: Kind, v: &Value) -> std::borrow::Cow<'_, Value> {
    if matches!(kind, Kind::StringList | Kind::Object(_) | Kind::ObjectList(_))
        && let Some(PbKind::StringValue(text)) = &v.kind
        && let Ok(j) = serde_json::from_str::<serde_json::Value>(text)
        && (j.is_array() || j.is_object())
    {
        return std::borrow::Cow::Owned(json_to_value(&j));
    }
    std::borrow::Cow::Borrowed(v)
}

/// Decodes one field's value at `path`. `Ok(None)` means absent (null).
fn decode_field(field: &Field, path: &str, v: &Value, secret: &mut bool, failures: &mut Vec<Failure>) -> Option<Slot> {
    let plain = match unwrap(v, secret, 0) {
        Ok(p) => p,
        Err(reason) => {
            failures.push(Failure::new(path, format!("{path} {reason}")));
            return None;
        }
    };
    let v = match plain {
        Plain::Unknown => return Some(Slot::Unknown),
        Plain::Null => return None,
        Plain::Value(v) => structured(field.kind, v),
    };
    let v = v.as_ref();
    let wrong = |expected: &str| Failure::new(path, format!("{path} must be {expected}, not {}", describe(v)));
    let kind = v.kind.as_ref();
    match field.kind {
        Kind::String => match kind {
            Some(PbKind::StringValue(s)) => Some(Slot::Known(Val::Str(s.clone()))),
            _ => {
                failures.push(wrong("a string"));
                None
            }
        },
        // Configuration arrives as strings from older engines, so accept their text forms too.
        Kind::Boolean => match kind {
            Some(PbKind::BoolValue(b)) => Some(Slot::Known(Val::Bool(*b))),
            Some(PbKind::StringValue(s)) if s == "true" || s == "false" => Some(Slot::Known(Val::Bool(s == "true"))),
            _ => {
                failures.push(wrong("a boolean"));
                None
            }
        },
        Kind::Integer => {
            let n = match kind {
                Some(PbKind::NumberValue(n)) => Some(*n),
                Some(PbKind::StringValue(s)) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match n {
                Some(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(Slot::Known(Val::Int(n as i64))),
                _ => {
                    failures.push(wrong("a whole number"));
                    None
                }
            }
        }
        Kind::StringMap => {
            let Some(PbKind::StructValue(s)) = kind else {
                failures.push(wrong("a map of strings"));
                return None;
            };
            let before = failures.len();
            for key in s.fields.keys().filter(|k| *k == SIG_KEY) {
                // Encoded back, such a map would read as a secret or output marker.
                let path = map_key_path(path, key);
                failures.push(Failure::new(
                    &path,
                    format!("{path}: this key is reserved by the Pulumi wire format"),
                ));
            }
            let items = s
                .fields
                .iter()
                .filter(|(k, _)| *k != SIG_KEY)
                .map(|(k, v)| (k.clone(), move || map_key_path(path, k), v));
            let strings = strings(items, secret, failures);
            if failures.len() > before {
                return None;
            }
            strings.map(|s| s.map_or(Slot::Unknown, |kv| Slot::Known(Val::Map(kv.into_iter().collect()))))
        }
        Kind::StringList => {
            let Some(PbKind::ListValue(l)) = kind else {
                failures.push(wrong("a list of strings"));
                return None;
            };
            let items = l.values.iter().enumerate().map(|(i, v)| ((), move || format!("{path}[{i}]"), v));
            strings(items, secret, failures)
                .map(|s| s.map_or(Slot::Unknown, |l| Slot::Known(Val::List(l.into_iter().map(|((), v)| v).collect()))))
        }
        Kind::Object(decl) => {
            let Some(PbKind::StructValue(s)) = kind else {
                failures.push(wrong("an object"));
                return None;
            };
            decode_object(decl, s, path, failures)
        }
        Kind::ObjectList(decl) => {
            let Some(PbKind::ListValue(l)) = kind else {
                failures.push(wrong("a list of objects"));
                return None;
            };
            let before = failures.len();
            let mut items = Vec::new();
            for (i, value) in l.values.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                match object_item(decl, value, &item_path, secret, failures) {
                    Some(Slot::Known(Val::Object(props))) => items.push(*props),
                    Some(_) => return Some(Slot::Unknown),
                    None => {}
                }
            }
            (failures.len() == before).then_some(Slot::Known(Val::Objects(items)))
        }
    }
}

/// The strings of a map or list, each `(key, path, value)`: `None` when any failed (reported),
/// `Some(None)` when any is unknown, else every key with its text. The path is made only for
/// an item that is not a plain string: a map of twenty triggers costs no twenty paths.
fn strings<'v, K, P: FnOnce() -> String>(
    items: impl Iterator<Item = (K, P, &'v Value)>,
    secret: &mut bool,
    failures: &mut Vec<Failure>,
) -> Option<Option<Vec<(K, String)>>> {
    let before = failures.len();
    // A map's items come filtered (no lower bound): sized by the upper one, the Vec never grows.
    let (least, most) = items.size_hint();
    let mut out = Vec::with_capacity(most.unwrap_or(least));
    let mut unknown = false;
    for (key, path, value) in items {
        if let Some(PbKind::StringValue(text)) = &value.kind
            && text != UNKNOWN
        {
            out.push((key, text.clone()));
            continue;
        }
        match string_item(value, &path(), secret, failures) {
            Some(Slot::Known(Val::Str(text))) => out.push((key, text)),
            Some(_) => unknown = true,
            None => {}
        }
    }
    if failures.len() > before {
        None
    } else {
        Some((!unknown).then_some(out))
    }
}

/// One item of a map or list at `path`: unknown, or what `take` makes of its plain value (None
/// when the value has the wrong shape, which becomes a failure naming `expected`, as null does).
fn item(
    value: &Value,
    path: &str,
    expected: &str,
    secret: &mut bool,
    failures: &mut Vec<Failure>,
    take: impl FnOnce(&Value, &mut Vec<Failure>) -> Option<Option<Slot>>,
) -> Option<Slot> {
    match unwrap(value, secret, 0) {
        Ok(Plain::Unknown) => Some(Slot::Unknown),
        Ok(Plain::Value(v)) => match take(v, failures) {
            Some(slot) => slot,
            None => {
                failures.push(Failure::new(path, format!("{path} must be {expected}, not {}", describe(v))));
                None
            }
        },
        Ok(Plain::Null) => {
            failures.push(Failure::new(path, format!("{path} must be {expected}, not null")));
            None
        }
        Err(reason) => {
            failures.push(Failure::new(path, format!("{path} {reason}")));
            None
        }
    }
}

/// One string of a map or list. YAML writes account ids and versions as numbers; Terraform
/// takes their text, and so does this.
fn string_item(value: &Value, path: &str, secret: &mut bool, failures: &mut Vec<Failure>) -> Option<Slot> {
    item(value, path, "a string", secret, failures, |v, _| match &v.kind {
        Some(PbKind::StringValue(text)) => Some(Some(Slot::Known(Val::Str(text.clone())))),
        Some(n @ PbKind::NumberValue(_)) => scalar_text(n).map(|t| Some(Slot::Known(Val::Str(t)))),
        _ => None,
    })
}

/// One object of a list, decoded against its declaration.
fn object_item(decl: &ObjectDecl, value: &Value, path: &str, secret: &mut bool, failures: &mut Vec<Failure>) -> Option<Slot> {
    item(value, path, "an object", secret, failures, |v, failures| match &v.kind {
        Some(PbKind::StructValue(s)) => Some(decode_object(decl, s, path, failures)),
        _ => None,
    })
}

/// An object's fields; the object is absent when any of them failed.
fn decode_object(decl: &ObjectDecl, s: &Struct, path: &str, failures: &mut Vec<Failure>) -> Option<Slot> {
    let (props, nested) = decode_fields(decl.fields, s, Strictness::Inputs, false, path);
    let ok = nested.is_empty();
    failures.extend(nested);
    ok.then(|| Slot::Known(Val::Object(Box::new(props))))
}

/// The path of a field below `prefix` (empty at the top): a top-level path is the field's own
/// name, so checking a resource's properties allocates no path for each of them.
pub fn field_path<'a>(prefix: &str, name: &'a str) -> std::borrow::Cow<'a, str> {
    if prefix.is_empty() {
        name.into()
    } else {
        format!("{prefix}.{name}").into()
    }
}

/// Decodes stored state (leniently, as [`decode`] with [`Strictness::Lenient`]) from a Struct it
/// owns: plain strings and maps of plain strings, most of a deployment's state, move into the
/// Props instead of being copied; everything else (secrets, unknowns, other kinds) decodes as
/// [`decode`] does.
pub fn decode_owned(decl: &ResourceDecl, s: Option<Struct>) -> Props {
    let Some(mut s) = s else {
        return Props::default();
    };
    let mut moved = Vec::with_capacity(decl.fields.len());
    for field in decl.fields {
        let plain = match (field.kind, s.fields.get(field.name).and_then(|v| v.kind.as_ref())) {
            (Kind::String, Some(PbKind::StringValue(text))) => text != UNKNOWN,
            (Kind::StringMap, Some(PbKind::StructValue(m))) => m
                .fields
                .iter()
                .all(|(k, v)| k != SIG_KEY && matches!(&v.kind, Some(PbKind::StringValue(t)) if t != UNKNOWN)),
            _ => false,
        };
        if !plain {
            continue;
        }
        let val = match s.fields.remove(field.name).and_then(|v| v.kind) {
            Some(PbKind::StringValue(text)) => Val::Str(text),
            Some(PbKind::StructValue(m)) => Val::Map(
                m.fields
                    .into_iter()
                    .filter_map(|(k, v)| match v.kind {
                        Some(PbKind::StringValue(t)) => Some((k, t)),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => continue,
        };
        moved.push((field.name, Slot::Known(val)));
    }
    let (mut props, _) = decode_fields(
        decl.fields,
        &s,
        Strictness::Lenient,
        decl.token.starts_with("pulumi:providers:"),
        "",
    );
    // Inserted one by one: `append` would rebuild the whole map for a handful of keys.
    props.values.extend(moved);
    props
}

/// Decodes a Struct against a declaration. Failures name the property path and the rule; the
/// properties that did decode are returned either way.
pub fn decode(decl: &ResourceDecl, s: Option<&Struct>, strictness: Strictness) -> (Props, Vec<Failure>) {
    match s {
        Some(s) => decode_fields(decl.fields, s, strictness, decl.token.starts_with("pulumi:providers:"), ""),
        None => (Props::default(), Vec::new()),
    }
}

fn decode_fields(fields: &'static [Field], s: &Struct, strictness: Strictness, is_config: bool, prefix: &str) -> (Props, Vec<Failure>) {
    let mut props = Props::default();
    let mut failures = Vec::new();
    for (name, value) in &s.fields {
        let found = fields.iter().find(|f| f.name == name);
        let field = match found {
            Some(f) if strictness == Strictness::Lenient || f.role == Role::Input => f,
            // What an earlier Check wrote, copied back by ignoreChanges: Check writes it anew.
            Some(f) if f.checked_input => continue,
            _ => {
                // Engine-internal keys (`__defaults`, config `version`) are not the user's.
                if strictness == Strictness::Inputs && !name.starts_with("__") && !(is_config && name == "version") {
                    let expected: Vec<&str> = fields.iter().filter(|f| f.role == Role::Input).map(|f| f.name).collect();
                    let shown = if name.is_empty() { "\"\"".to_string() } else { name.clone() };
                    let property = field_path(prefix, &shown);
                    let reason = if found.is_some() {
                        format!("{property} is an output and cannot be set")
                    } else {
                        format!("unknown property {property}; expected one of: {}", expected.join(", "))
                    };
                    failures.push(Failure::new(property, reason));
                }
                continue;
            }
        };
        let mut secret = false;
        let path = field_path(prefix, field.name);
        if let Some(slot) = decode_field(field, &path, value, &mut secret, &mut failures) {
            props.values.insert(field.name, slot);
            if secret {
                props.secret.insert(field.name);
            }
        }
    }
    (props, failures)
}

/// The text Terraform and pulumi-aws give a number or boolean used where a string belongs.
fn scalar_text(kind: &PbKind) -> Option<String> {
    match kind {
        PbKind::NumberValue(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 => Some(format!("{}", *n as i64)),
        PbKind::NumberValue(n) if n.is_finite() => Some(n.to_string()),
        PbKind::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Turns numbers and booleans into strings in place, looking through secret wrappers.
fn stringify(v: &mut Value, depth: usize) {
    if depth > 8 {
        return;
    }
    if let Some(text) = v.kind.as_ref().and_then(scalar_text) {
        v.kind = Some(PbKind::StringValue(text));
    } else if sig(v).is_some_and(|(s, _)| s == SECRET_SIG)
        && let Some(PbKind::StructValue(s)) = &mut v.kind
        && let Some(inner) = s.fields.get_mut("value")
    {
        stringify(inner, depth + 1);
    }
}

/// The values of a map-of-strings property, looking through a secret wrapper around the map.
fn map_values_mut(v: &mut Value, depth: usize) -> Option<&mut Struct> {
    if depth > 8 {
        return None;
    }
    let wrapped = sig(v).is_some_and(|(s, _)| s == SECRET_SIG);
    let plain = sig(v).is_none();
    let Some(PbKind::StructValue(s)) = &mut v.kind else { return None };
    if wrapped {
        s.fields.get_mut("value").and_then(|inner| map_values_mut(inner, depth + 1))
    } else if plain {
        Some(s)
    } else {
        None
    }
}

/// Program inputs as Check returns them: numbers and booleans in maps of strings (natural in
/// YAML: `version: 2`) become their string form, as Terraform and pulumi-aws take them.
/// Everything else, secret and unknown markers included, is left as it came.
pub fn normalize(decl: &ResourceDecl, mut s: Struct) -> Struct {
    for field in decl.inputs().filter(|f| f.kind == Kind::StringMap) {
        if let Some(map) = s.fields.get_mut(field.name).and_then(|v| map_values_mut(v, 0)) {
            for value in map.fields.values_mut() {
                stringify(value, 0);
            }
        }
    }
    s
}

fn string(s: &str) -> Value {
    Value {
        kind: Some(PbKind::StringValue(s.to_string())),
    }
}

fn encode_val(v: &Val) -> Value {
    let kind = match v {
        Val::Str(s) => PbKind::StringValue(s.clone()),
        Val::Bool(b) => PbKind::BoolValue(*b),
        Val::Int(i) => PbKind::NumberValue(*i as f64),
        Val::Map(m) => PbKind::StructValue(Struct {
            fields: m.iter().map(|(k, v)| (k.clone(), string(v))).collect(),
        }),
        Val::List(l) => PbKind::ListValue(prost_types::ListValue {
            values: l.iter().map(|s| string(s)).collect(),
        }),
        Val::Object(o) => PbKind::StructValue(encode_props(o)),
        Val::Objects(os) => PbKind::ListValue(prost_types::ListValue {
            values: os
                .iter()
                .map(|o| Value {
                    kind: Some(PbKind::StructValue(encode_props(o))),
                })
                .collect(),
        }),
    };
    Value { kind: Some(kind) }
}

fn is_secret_marked(v: &Value) -> bool {
    sig(v).is_some_and(|(s, _)| s == SECRET_SIG)
}

fn holds_secrets(kind: Kind) -> bool {
    match kind {
        Kind::Object(d) | Kind::ObjectList(d) => d.fields.iter().any(|f| f.secret || holds_secrets(f.kind)),
        _ => false,
    }
}

/// Wraps the declared-secret values of `s` (nested ones too) in the secret marker, so the engine
/// keeps them secret in state and logs even when they were set as plain config. An object or
/// list that came as JSON text and holds a secret field is wrapped whole.
pub fn mark_secrets(fields: &[Field], s: &mut Struct) {
    for field in fields {
        let Some(v) = s.fields.get_mut(field.name) else { continue };
        if is_secret_marked(v) || matches!(v.kind, None | Some(PbKind::NullValue(_))) {
            continue;
        }
        if matches!(&v.kind, Some(PbKind::StringValue(t)) if t == UNKNOWN) {
            continue;
        }
        let whole = field.secret || (matches!(v.kind, Some(PbKind::StringValue(_))) && holds_secrets(field.kind));
        if whole {
            *v = secret_value(v.clone());
            continue;
        }
        match (&mut v.kind, field.kind) {
            (Some(PbKind::StructValue(inner)), Kind::Object(d)) => mark_secrets(d.fields, inner),
            (Some(PbKind::ListValue(l)), Kind::ObjectList(d)) => {
                for item in &mut l.values {
                    if let Some(PbKind::StructValue(inner)) = &mut item.kind {
                        mark_secrets(d.fields, inner);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A nested object's properties, its secret ones wrapped.
fn encode_props(props: &Props) -> Struct {
    Struct {
        fields: props
            .values
            .iter()
            .map(|(name, slot)| {
                let value = match slot {
                    Slot::Unknown => string(UNKNOWN),
                    Slot::Known(v) => encode_val(v),
                };
                let value = if props.secret.contains(name) { secret_value(value) } else { value };
                (name.to_string(), value)
            })
            .collect(),
    }
}

/// Wraps a value in the engine's secret marker.
pub fn secret_value(inner: Value) -> Value {
    let mut fields = BTreeMap::new();
    fields.insert(SIG_KEY.to_string(), string(SECRET_SIG));
    fields.insert("value".to_string(), inner);
    Value {
        kind: Some(PbKind::StructValue(Struct {
            fields: fields.into_iter().collect(),
        })),
    }
}

/// Encodes properties for the engine; declared-secret and secret-marked properties are wrapped.
pub fn encode(decl: &ResourceDecl, props: &Props) -> Struct {
    let mut out = Struct::default();
    for field in decl.fields {
        let Some(slot) = props.values.get(field.name) else { continue };
        let value = match slot {
            Slot::Unknown => string(UNKNOWN),
            Slot::Known(v) => encode_val(v),
        };
        let value = if field.secret || props.secret.contains(field.name) {
            secret_value(value)
        } else {
            value
        };
        out.fields.insert(field.name.to_string(), value);
    }
    out
}
