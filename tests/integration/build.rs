//! Links the bench's floor (`src/bin/floor.rs`) the way the plugin is linked (see the provider's
//! build.rs: a fixed-address executable on Linux), so the bench compares like with like.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=floor=-Wl,--no-pie");
    }
}
