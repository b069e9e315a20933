//! Diff: which inputs changed and whether the change replaces the resource, from the
//! declaration's replace-on-change flags.

use crate::decl::props::{Props, Slot, Val};
use crate::decl::{Field, ResourceDecl};

/// How one property changed, in the engine's PropertyDiff terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Add,
    AddReplace,
    Delete,
    DeleteReplace,
    Update,
    UpdateReplace,
}

impl ChangeKind {
    fn of(base: ChangeKind, replace: bool) -> ChangeKind {
        match (base, replace) {
            (ChangeKind::Add, true) => ChangeKind::AddReplace,
            (ChangeKind::Delete, true) => ChangeKind::DeleteReplace,
            (ChangeKind::Update, true) => ChangeKind::UpdateReplace,
            (k, _) => k,
        }
    }

    pub fn replaces(self) -> bool {
        matches!(self, ChangeKind::AddReplace | ChangeKind::DeleteReplace | ChangeKind::UpdateReplace)
    }
}

/// The changed properties, in declaration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffResult {
    pub changes: Vec<(&'static str, ChangeKind)>,
    /// Paths below a changed property (`apiFingerprintParts["route GET /x"]`) that say what in it
    /// changed; a property with details is shown through them instead of as a whole.
    pub details: Vec<(String, ChangeKind)>,
}

impl DiffResult {
    pub fn replaces(&self) -> Vec<&'static str> {
        self.changes.iter().filter(|(_, k)| k.replaces()).map(|(n, _)| *n).collect()
    }
}

/// Empty maps and absent maps mean the same to AWS and to users; so do an absent boolean or
/// integer and its declared default (state written before the field existed has no value for it;
/// an SDK that fills defaults in sends the default).
fn effective<'a>(field: &Field, slot: Option<&'a Slot>) -> Option<&'a Slot> {
    match slot {
        Some(Slot::Known(Val::Map(m))) if m.is_empty() => None,
        Some(Slot::Known(Val::Bool(b))) if field.default_bool == Some(*b) => None,
        Some(Slot::Known(Val::Int(n))) if field.default_int == Some(*n) => None,
        other => other,
    }
}

/// Compares old inputs with new checked inputs. Secrecy alone is not a change.
pub fn diff(decl: &ResourceDecl, olds: &Props, news: &Props, ignore_changes: &[String]) -> DiffResult {
    let mut result = DiffResult::default();
    for field in decl.inputs() {
        if ignore_changes.iter().any(|p| p == field.name) {
            continue;
        }
        let base = match (effective(field, olds.get(field.name)), effective(field, news.get(field.name))) {
            (None, None) => continue,
            (None, Some(_)) => ChangeKind::Add,
            (Some(_), None) => ChangeKind::Delete,
            (Some(Slot::Known(a)), Some(Slot::Known(b))) if a == b => continue,
            // Different known values, or an unknown on either side: it may change.
            (Some(_), Some(_)) => ChangeKind::Update,
        };
        result.changes.push((field.name, ChangeKind::of(base, field.replace_on_change)));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::props::{self, Strictness, UNKNOWN};
    use crate::resources::deployment::DEPLOYMENT;
    use ChangeKind::*;
    use prost_types::{Struct, Value, value::Kind};

    fn s(v: &str) -> Value {
        Value {
            kind: Some(Kind::StringValue(v.into())),
        }
    }
    fn map(pairs: &[(&str, &str)]) -> Value {
        Value {
            kind: Some(Kind::StructValue(Struct {
                fields: pairs.iter().map(|(k, v)| (k.to_string(), s(v))).collect(),
            })),
        }
    }
    fn props(fields: Vec<(&str, Value)>) -> Props {
        let st = Struct {
            fields: fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        };
        props::decode(&DEPLOYMENT, Some(&st), Strictness::Lenient).0
    }

    /// One row per rule: which property changed, how, and whether it replaces.
    #[test]
    fn table() {
        let base = || {
            vec![
                ("apiId", s("a")),
                ("description", s("d")),
                ("triggers", map(&[("x", "1"), ("y", "2")])),
                ("stageName", s("prod")),
            ]
        };
        let with = |name: &str, v: Option<Value>| {
            let mut f: Vec<(&str, Value)> = base().into_iter().filter(|(n, _)| *n != name).collect();
            if let Some(v) = v {
                f.push((Box::leak(name.to_string().into_boxed_str()), v));
            }
            f
        };
        type Row<'a> = (&'a str, Vec<(&'a str, Value)>, Vec<(&'a str, ChangeKind)>);
        let rows: Vec<Row> = vec![
            ("identical", base(), vec![]),
            ("triggers reordered", with("triggers", Some(map(&[("y", "2"), ("x", "1")]))), vec![]),
            (
                "description changed",
                with("description", Some(s("e"))),
                vec![("description", Update)],
            ),
            ("description removed", with("description", None), vec![("description", Delete)]),
            ("apiId changed", with("apiId", Some(s("b"))), vec![("apiId", UpdateReplace)]),
            ("apiId unknown", with("apiId", Some(s(UNKNOWN))), vec![("apiId", UpdateReplace)]),
            (
                "description unknown",
                with("description", Some(s(UNKNOWN))),
                vec![("description", Update)],
            ),
            (
                "trigger value changed",
                with("triggers", Some(map(&[("x", "1"), ("y", "3")]))),
                vec![("triggers", UpdateReplace)],
            ),
            (
                "trigger added",
                with("triggers", Some(map(&[("x", "1"), ("y", "2"), ("z", "3")]))),
                vec![("triggers", UpdateReplace)],
            ),
            ("triggers removed", with("triggers", None), vec![("triggers", DeleteReplace)]),
            (
                "triggers emptied",
                with("triggers", Some(map(&[]))),
                vec![("triggers", DeleteReplace)],
            ),
            (
                "trigger unknown",
                with("triggers", Some(map(&[("x", UNKNOWN)]))),
                vec![("triggers", UpdateReplace)],
            ),
            (
                "stageName changed",
                with("stageName", Some(s("dev"))),
                vec![("stageName", UpdateReplace)],
            ),
            ("stageName removed", with("stageName", None), vec![("stageName", DeleteReplace)]),
            ("secret same value", with("description", Some(props::secret_value(s("d")))), vec![]),
        ];
        let old = props(base());
        for (name, new, expected) in rows {
            assert_eq!(diff(&DEPLOYMENT, &old, &props(new), &[]).changes, expected, "{name}");
        }
    }

    /// Properties absent before and now set are ADD, replacing when declared so.
    #[test]
    fn additions() {
        let old = props(vec![("apiId", s("a"))]);
        let new = props(vec![("apiId", s("a")), ("description", s("d")), ("triggers", map(&[("x", "1")]))]);
        assert_eq!(
            diff(&DEPLOYMENT, &old, &new, &[]).changes,
            vec![("description", Add), ("triggers", AddReplace)]
        );
    }

    /// ignoreChanges hides a property's change.
    #[test]
    fn ignore_changes() {
        let old = props(vec![("apiId", s("a")), ("description", s("d"))]);
        let new = props(vec![("apiId", s("a")), ("description", s("e"))]);
        assert!(diff(&DEPLOYMENT, &old, &new, &["description".into()]).changes.is_empty());
    }
}
