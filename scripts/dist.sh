#!/usr/bin/env bash
# The plugin archives for every platform this machine can build, and a SHA-256 checksums file
# beside them. Installs what a cross build needs: the Rust targets (rustup) and the cross linkers
# (Debian's gcc-aarch64-linux-gnu and gcc-mingw-w64-x86-64). darwin is not built: linking for
# macOS needs Apple's SDK, which no registry here serves (the README says how to build it there).
# usage: dist.sh OUT_DIR VERSION [PLATFORM...]   (default: linux-amd64 linux-arm64 windows-amd64)
set -euo pipefail
out=$1 version=$2
shift 2
platforms=("$@")
((${#platforms[@]})) || platforms=(linux-amd64 linux-arm64 windows-amd64)
crate=pulumi-resource-aws-apigatewayv2

rust_target() {
    rustup target list --installed | grep -qx "$1" || rustup target add "$1" >&2
}

rm -f "$out"/$crate-v"$version"-*.tar.gz "$out"/$crate-v"$version"-checksums.txt
for platform in "${platforms[@]}"; do
    start=$(date +%s)
    case $platform in
        linux-amd64)
            cargo build --quiet --release -p $crate
            binary=target/release/$crate
            ;;
        linux-arm64)
            scripts/debian-packages.sh gcc-aarch64-linux-gnu libc6-dev-arm64-cross
            rust_target aarch64-unknown-linux-gnu
            CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
                CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
                AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
                cargo build --quiet --release --target aarch64-unknown-linux-gnu -p $crate
            binary=target/aarch64-unknown-linux-gnu/release/$crate
            ;;
        windows-amd64)
            scripts/debian-packages.sh gcc-mingw-w64-x86-64 nasm
            rust_target x86_64-pc-windows-gnu
            CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
                CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc \
                AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar \
                cargo build --quiet --release --target x86_64-pc-windows-gnu -p $crate
            binary=target/x86_64-pc-windows-gnu/release/$crate.exe
            ;;
        *)
            echo "dist: no recipe for $platform (linux-amd64, linux-arm64, windows-amd64)" >&2
            exit 2
            ;;
    esac
    archive=$(scripts/package.sh "$binary" "$out" "$version" "$platform")
    echo "$archive ($(stat -c %s "$binary") bytes, built in $(( $(date +%s) - start ))s)"
done
(cd "$out" && sha256sum $crate-v"$version"-*.tar.gz > $crate-v"$version"-checksums.txt)
echo "$out/$crate-v$version-checksums.txt"
