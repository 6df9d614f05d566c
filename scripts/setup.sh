#!/usr/bin/env bash
# Installs what Carnet needs to build (and, with --test, to test) on a Debian machine with rustup.
# Idempotent: every step checks first and does nothing when its tool is already there, so a
# second run costs a few seconds. Sourced or run by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Rust: the browser target. rustup itself and the stable toolchain are on the machine.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
# clippy for every build (the browser bundle's build lints the pages), rustfmt for the tests.
components=(clippy)
[ "$want_test" = 1 ] && components+=(rustfmt)
for component in "${components[@]}"; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding Rust component $component"
    rustup component add "$component"
  fi
done

# wasm-bindgen CLI: must be exactly the version of the wasm-bindgen crate in Cargo.lock.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if [ "$("$cargo_bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (about 2 minutes, once)"
  # Not --locked: the CLI's own lock names a webpki-roots version the registry no longer has.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
fi

apt_install() {
  local sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$@"
}

if ! command -v npm >/dev/null; then
  say "installing Debian nodejs and npm"
  apt_install nodejs npm
fi

# wasm-split: cuts the bundle at the lazy routes (leptos's `#[lazy_route]`, wasm_split_helpers
# 0.2) into chunks loaded on demand. The CLI of the same project, pinned.
split_version=0.2.4
if ! cargo install --list | grep -qx "wasm_split_cli_support v$split_version:"; then
  say "installing wasm-split-cli $split_version (about 2 minutes, once)"
  cargo install --locked wasm_split_cli_support --version "$split_version" --features build-binary
fi

# npm packages: wasm-opt (binaryen 132; Debian's older one miscompiles), and for tests
# playwright-core and axe-core. Reinstalled only when package-lock.json changed.
if [ ! -f node_modules/.carnet-stamp ] || ! cmp -s package-lock.json node_modules/.carnet-stamp; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.carnet-stamp
fi

# Browser for tests: Debian's Chromium and its driver (tools that fetch their own browser fail here).
if [ "$want_test" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  say "installing Debian chromium and chromium-driver"
  apt_install chromium chromium-driver
fi
