#!/usr/bin/env bash
# The two Rust tools the browser bundle needs, built from crates.io at pinned versions: about
# three minutes of both cores on a fresh machine, a second when they are there. Called by
# setup.sh, and by build-site.sh right before its first use of them. The test command instead
# starts it in the background beside its first builds, so that nothing waits for the tools but
# the site's build, which waits here for that install to finish: one install at a time, and
# whoever comes second waits on the lock, then finds the tools in place.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"

# The lock is this shell's alone (`9>&-` below): a process that an install leaves behind never
# holds it.
mkdir -p target
exec 9>target/.tools.lock
flock 9

# wasm-bindgen CLI: must be exactly the version of the wasm-bindgen crate in Cargo.lock.
# Without its default TLS: the test runner speaks plain HTTP to the local chromedriver.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$("$cargo_bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (about 2 minutes, once)"
  # Not --locked: the CLI's own lock names a webpki-roots version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --no-default-features --force 9>&-
fi

# wasm-split: cuts the bundle at the lazy routes (leptos's `#[lazy_route]`, wasm_split_helpers
# 0.2) into chunks loaded on demand. The CLI of the same project, pinned.
split_version=0.2.4
if ! cargo install --list | grep -qx "wasm_split_cli_support v$split_version:"; then
  say "installing wasm-split-cli $split_version (about a minute, once)"
  cargo install --locked wasm_split_cli_support --version "$split_version" --features build-binary 9>&-
fi
