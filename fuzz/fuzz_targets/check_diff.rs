//! Any bytes that decode as a protobuf Struct go through Check (resource and config), the edge's
//! decode/encode round trip and Diff: none may panic, and Check must answer with inputs or
//! failures that name a property.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use prost_types::Struct;
use provider::decl::props::{self, Strictness};
use provider::config::keys::CONFIG;
use provider::resources::deployment::DEPLOYMENT;
use provider::config;
use provider::decl::{check, diff};

fuzz_target!(|data: &[u8]| {
    let (left, right) = data.split_at(data.len() / 2);
    let (Ok(a), Ok(b)) = (Struct::decode(left), Struct::decode(right)) else { return };
    if let Err(failures) = check::check(&DEPLOYMENT, Some(&a), &check::FromProvider::default()) {
        assert!(!failures.is_empty() && failures.iter().all(|f| !f.property.is_empty() && !f.reason.is_empty()));
    }
    let _ = config::check_config(Some(&b));
    let da = props::decode(&DEPLOYMENT, Some(&a), Strictness::Lenient).0;
    let db = props::decode(&DEPLOYMENT, Some(&b), Strictness::Lenient).0;
    let again = props::decode(&DEPLOYMENT, Some(&props::encode(&DEPLOYMENT, &da)), Strictness::Lenient).0;
    assert_eq!(da, again);
    let _ = diff::diff(&DEPLOYMENT, &da, &db, &[]);
    let _ = diff::diff(&CONFIG, &props::decode(&CONFIG, Some(&a), Strictness::Lenient).0, &props::decode(&CONFIG, Some(&b), Strictness::Lenient).0, &[]);
});
