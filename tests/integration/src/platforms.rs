//! Running a plugin archive's binary on this x86-64 Linux machine: linux-amd64 natively,
//! linux-arm64 under qemu-user (with the arm64 glibc of Debian's cross packages as its root),
//! windows-amd64 under wine in a prefix of its own under target/.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The platforms `make dist` builds.
pub const PLATFORMS: [&str; 3] = ["linux-amd64", "linux-arm64", "windows-amd64"];

/// The plugin binary's name in `platform`'s archive.
pub fn binary_name(platform: &str) -> String {
    let exe = if platform.starts_with("windows") { ".exe" } else { "" };
    format!("pulumi-resource-aws-apigatewayv2{exe}")
}

/// The file name of `platform`'s archive, as `make dist` (scripts/package.sh) names it.
pub fn archive_name(platform: &str) -> String {
    format!("pulumi-resource-aws-apigatewayv2-v{}-{platform}.tar.gz", env!("CARGO_PKG_VERSION"))
}

/// Unpacks `archive` into `dir`, emptied first; whether tar succeeded.
pub fn unpack(archive: &Path, dir: &Path) -> bool {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).is_ok()
        && Command::new("tar")
            .arg("-xzf")
            .arg(archive)
            .arg("-C")
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success())
}

/// What runs it here, if anything but the binary itself.
pub fn emulator(platform: &str) -> Option<&'static str> {
    match platform {
        "linux-arm64" => Some("qemu-aarch64"),
        "windows-amd64" => Some("wine"),
        _ => None,
    }
}

fn wine_prefix() -> PathBuf {
    crate::target_dir().join("wine-prefix")
}

/// A command that starts `binary` (of `platform`'s archive) on this machine. For Windows it first
/// builds, beside the .exe where Windows looks for a DLL first, the stand-in for
/// bcryptprimitives.dll that Wine 8.0 lacks (tests/integration/wine/bcryptprimitives.c).
pub fn command(platform: &str, binary: &Path) -> Command {
    match emulator(platform) {
        None => Command::new(binary),
        Some("qemu-aarch64") => {
            let mut cmd = Command::new("qemu-aarch64");
            cmd.arg("-L").arg("/usr/aarch64-linux-gnu").arg(binary);
            cmd
        }
        Some(wine) => {
            let shim = binary.with_file_name("bcryptprimitives.dll");
            if !shim.exists() {
                let source = concat!(env!("CARGO_MANIFEST_DIR"), "/wine/bcryptprimitives.c");
                let built = Command::new("x86_64-w64-mingw32-gcc")
                    .args(["-O2", "-shared", "-o"])
                    .arg(&shim)
                    .arg(source)
                    .arg("-ladvapi32")
                    .status()
                    .expect("x86_64-w64-mingw32-gcc (Debian's gcc-mingw-w64-x86-64, which make dist installs)");
                assert!(built.success(), "the bcryptprimitives.dll stand-in builds");
            }
            std::fs::create_dir_all(wine_prefix()).expect("wine prefix");
            let mut cmd = Command::new(wine);
            cmd.arg(binary).env("WINEPREFIX", wine_prefix()).env("WINEDEBUG", "-all");
            cmd
        }
    }
}

/// Stops the wine server of the prefix (it outlives its last program by a few seconds).
pub fn stop_wine() {
    let _ = Command::new("wineserver").arg("-k").env("WINEPREFIX", wine_prefix()).status();
}
