// Link arguments shared by the plugin's build.rs and the bench floor's (included by both, so
// the floor is linked exactly as the plugin is and the bench compares code, not link modes).

/// Links binary `bin` of this package as the plugin is linked on Linux: a fixed-address
/// executable and, in release builds on x86_64 (rust-lld), with the functions that start-up and
/// Configure run placed together in the order `order` lists, and the read-only data they read
/// placed first in its sections by the linker script beside it (`order` with the extension
/// `ld`): both written by `make link-order`.
/// `LINK_MAP_DIR` set makes the linker write its map there (`make link-order` reads it).
/// rustc links this target with rust-lld since 1.90 (the workspace asks for 1.94); GNU ld has
/// no `--symbol-ordering-file`, so a build that swaps it in must drop the order file.
fn link_args(bin: &str, order: &std::path::Path) {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin={bin}=-Wl,--no-pie");
    }
    let lld = std::env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu");
    if !lld || std::env::var("PROFILE").as_deref() != Ok("release") {
        return;
    }
    println!("cargo:rerun-if-changed={}", order.display());
    if order.exists() {
        // A symbol the code no longer has is skipped: an old order only places less.
        println!("cargo:rustc-link-arg-bin={bin}=-Wl,--symbol-ordering-file={}", order.display());
        println!("cargo:rustc-link-arg-bin={bin}=-Wl,--no-warn-symbol-ordering");
    }
    let data = order.with_extension("ld");
    println!("cargo:rerun-if-changed={}", data.display());
    if data.exists() {
        // INSERT keeps lld's own layout; a section the code no longer has matches nothing.
        println!("cargo:rustc-link-arg-bin={bin}=-Wl,-T,{}", data.display());
    }
    println!("cargo:rerun-if-env-changed=LINK_MAP_DIR");
    if let Ok(dir) = std::env::var("LINK_MAP_DIR") {
        // Mangled, as the order file must name them.
        println!("cargo:rustc-link-arg-bin={bin}=-Wl,-Map={dir}/{bin}.map,--no-demangle");
    }
}
