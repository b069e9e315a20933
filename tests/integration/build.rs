//! Links the bench's floor (`src/bin/floor.rs`) the way the plugin is linked (see the provider's
//! build.rs: a fixed-address executable on Linux, its start-up code placed together in release
//! builds), so the bench compares like with like.

include!("../../provider/link_args.rs");

fn main() {
    link_args(
        "floor",
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("floor-link-order.txt"),
    );
}
