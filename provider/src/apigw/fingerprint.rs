//! The fingerprint of an API's configuration: what a deployment snapshots (routes, integrations,
//! authorizers, and for WebSocket APIs models, route responses and integration responses),
//! canonicalised and hashed, so a deployment can tell whether the API moved on since it was taken.
//!
//! Canonical form: every item is labelled by what identifies it to the API (a route by its route
//! key, an integration or authorizer by its id, which routes reference, a model by its name, a
//! response by its key under its route or integration); server-assigned ids that nothing
//! references (routeId, modelId, routeResponseId, integrationResponseId) are left out, so are
//! absent fields. Items are sorted by label, fields by name, JSON objects by key: listing order and
//! page size cannot change the result. The digest is SHA-256 over that form; the per-item parts
//! keep a short hash per field, which is what lets Diff and Read name what changed.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Recorded with a deployment, so a later format can tell old fingerprints from new ones.
pub const VERSION_PREFIX: &str = "v1:";

/// One object of the API's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// How the object is named to users and in the parts: `route GET /users`, `integration 4f2a`.
    pub label: String,
    /// Field name -> value, absent fields left out.
    pub fields: BTreeMap<String, Value>,
}

impl Item {
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            fields: BTreeMap::new(),
        }
    }

    /// Sets a field when it has a value; empty lists and maps count as absent, as AWS omits them.
    pub fn put(&mut self, name: &str, value: Option<Value>) {
        match value {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(Value::Object(o)) if o.is_empty() => {}
            Some(v) => {
                self.fields.insert(name.to_string(), v);
            }
        }
    }
}

/// The fingerprint of a whole configuration: the digest, and the per-item field hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// `v1:` and the hex SHA-256 of the canonical configuration.
    pub digest: String,
    /// Item label -> `field=hash field=hash ...` (8 hex digits of each field's SHA-256).
    pub parts: BTreeMap<String, String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON with object keys sorted (serde_json's maps are ordered), so equal values print equally.
fn canonical(v: &Value) -> String {
    v.to_string()
}

fn short_hash(v: &Value) -> String {
    hex(&Sha256::digest(canonical(v).as_bytes())[..4])
}

/// Canonicalises and hashes a configuration given in any order.
pub fn fingerprint(items: &[Item]) -> Fingerprint {
    let mut sorted: Vec<&Item> = items.iter().collect();
    sorted.sort_by(|a, b| a.label.cmp(&b.label));
    let mut hasher = Sha256::new();
    let mut parts = BTreeMap::new();
    for item in sorted {
        // Length-prefixed, so no label or value can run into the next one.
        hasher.update((item.label.len() as u64).to_le_bytes());
        hasher.update(item.label.as_bytes());
        hasher.update((item.fields.len() as u64).to_le_bytes());
        let mut part = Vec::new();
        for (name, value) in &item.fields {
            let text = canonical(value);
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
            part.push(format!("{name}={}", short_hash(value)));
        }
        parts.insert(item.label.clone(), part.join(" "));
    }
    Fingerprint {
        digest: format!("{VERSION_PREFIX}{}", hex(&hasher.finalize())),
        parts,
    }
}

/// How one item differs between a recorded fingerprint and the live one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Removed(String),
    /// The item's label and the fields that changed (added, removed or different).
    Changed(String, Vec<String>),
}

impl Change {
    pub fn label(&self) -> &str {
        match self {
            Change::Added(l) | Change::Removed(l) | Change::Changed(l, _) => l,
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added(l) => write!(f, "{l} added"),
            Change::Removed(l) => write!(f, "{l} removed"),
            Change::Changed(l, fields) => write!(f, "{l}: {} changed", fields.join(", ")),
        }
    }
}

fn field_hashes(part: &str) -> BTreeMap<&str, &str> {
    part.split(' ').filter_map(|p| p.split_once('=')).collect()
}

/// What changed from the recorded parts to the live ones, in label order.
pub fn changes(recorded: &BTreeMap<String, String>, live: &BTreeMap<String, String>) -> Vec<Change> {
    let mut out = Vec::new();
    for (label, old) in recorded {
        match live.get(label) {
            None => out.push(Change::Removed(label.clone())),
            Some(new) if new != old => {
                let (a, b) = (field_hashes(old), field_hashes(new));
                let mut fields: Vec<String> = a
                    .iter()
                    .filter(|(k, v)| b.get(*k) != Some(*v))
                    .map(|(k, _)| k.to_string())
                    .chain(b.keys().filter(|k| !a.contains_key(*k)).map(|k| k.to_string()))
                    .collect();
                fields.sort();
                out.push(Change::Changed(label.clone(), fields));
            }
            Some(_) => {}
        }
    }
    for label in live.keys().filter(|l| !recorded.contains_key(*l)) {
        out.push(Change::Added(label.clone()));
    }
    out.sort_by(|a, b| a.label().cmp(b.label()));
    out
}

/// The changes as one line for messages: the first few, then how many more.
pub fn summary(changes: &[Change]) -> String {
    const SHOWN: usize = 5;
    let mut text = changes.iter().take(SHOWN).map(ToString::to_string).collect::<Vec<_>>().join("; ");
    if changes.len() > SHOWN {
        text.push_str(&format!("; and {} more", changes.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn item(label: &str, fields: &[(&str, Value)]) -> Item {
        let mut i = Item::new(label);
        for (k, v) in fields {
            i.put(k, Some(v.clone()));
        }
        i
    }

    fn sample() -> Vec<Item> {
        vec![
            item(
                "route GET /users",
                &[("routeKey", json!("GET /users")), ("target", json!("integrations/4f2a"))],
            ),
            item(
                "integration 4f2a",
                &[
                    ("integrationType", json!("HTTP_PROXY")),
                    ("integrationUri", json!("https://a.example")),
                ],
            ),
            item("authorizer au1", &[("identitySource", json!(["$request.header.Authorization"]))]),
        ]
    }

    /// Changes are named by item and field: added, removed, and which fields differ.
    #[test]
    fn changes_are_named() {
        let old = fingerprint(&sample());
        let mut live = sample();
        live[1].put("integrationUri", Some(json!("https://b.example")));
        live.remove(2);
        live.push(item("route POST /users", &[("routeKey", json!("POST /users"))]));
        let found = changes(&old.parts, &fingerprint(&live).parts);
        let text: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "authorizer au1 removed",
                "integration 4f2a: integrationUri changed",
                "route POST /users added"
            ]
        );
        assert_eq!(changes(&old.parts, &old.parts), vec![]);
    }

    /// Empty lists and maps are absent, as AWS leaves them out of its answers.
    #[test]
    fn empty_collections_are_absent() {
        let mut a = Item::new("route x");
        a.put("authorizationScopes", Some(json!([])));
        a.put("requestModels", Some(json!({})));
        a.put("target", None);
        assert!(a.fields.is_empty());
    }

    /// Long change lists are cut with a count.
    #[test]
    fn summary_is_bounded() {
        let changes: Vec<Change> = (0..8).map(|i| Change::Added(format!("route GET /{i}"))).collect();
        assert!(summary(&changes).ends_with("route GET /4 added; and 3 more"));
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            "[a-z/ ]{0,8}".prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            prop::collection::vec("[a-z]{1,4}", 1..3).prop_map(|v| json!(v)),
            prop::collection::btree_map("[a-z]{1,4}", "[a-z]{0,4}", 1..3).prop_map(|m| json!(m)),
        ]
    }

    fn arb_config() -> impl Strategy<Value = Vec<Item>> {
        prop::collection::btree_map(
            "(route|integration|model) [a-zA-Z0-9/ ]{1,10}",
            prop::collection::btree_map("[a-zA-Z]{1,12}", arb_value(), 1..5),
            1..12,
        )
        .prop_map(|m| {
            m.into_iter()
                .map(|(label, fields)| {
                    let mut i = Item::new(label);
                    for (k, v) in fields {
                        i.put(&k, Some(v));
                    }
                    i
                })
                .filter(|i| !i.fields.is_empty())
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The same configuration listed in any order, in pages of any size, fingerprints the same.
        #[test]
        fn order_and_paging_do_not_matter(config in arb_config(), seed in any::<u64>(), page in 1usize..6) {
            let mut shuffled = config.clone();
            fastrand::Rng::with_seed(seed).shuffle(&mut shuffled);
            // Pages concatenated in the order a pager returns them.
            let paged: Vec<Item> = shuffled.chunks(page).flat_map(|c| c.iter().cloned()).collect();
            prop_assert_eq!(fingerprint(&config), fingerprint(&paged));
        }

        /// Any single field changed, added or removed changes the digest and is named.
        #[test]
        fn any_single_change_is_seen(config in arb_config(), pick in any::<prop::sample::Index>(), new in arb_value(), mode in 0u8..3) {
            prop_assume!(!config.is_empty());
            let before = fingerprint(&config);
            let mut changed = config.clone();
            let i = pick.index(changed.len());
            let field_names: Vec<String> = changed[i].fields.keys().cloned().collect();
            let target = field_names[pick.index(field_names.len())].clone();
            let label = changed[i].label.clone();
            let expect_field = match mode {
                0 => {
                    prop_assume!(changed[i].fields.get(&target) != Some(&new));
                    prop_assume!(!matches!(&new, Value::Array(a) if a.is_empty()));
                    changed[i].fields.insert(target.clone(), new);
                    target
                }
                1 => {
                    prop_assume!(changed[i].fields.len() > 1);
                    changed[i].fields.remove(&target);
                    target
                }
                _ => {
                    let added = format!("{target}X");
                    prop_assume!(!changed[i].fields.contains_key(&added));
                    changed[i].fields.insert(added.clone(), new);
                    added
                }
            };
            let after = fingerprint(&changed);
            prop_assert_ne!(&before.digest, &after.digest);
            let found = changes(&before.parts, &after.parts);
            prop_assert_eq!(found, vec![Change::Changed(label, vec![expect_field])]);
        }
    }
}
