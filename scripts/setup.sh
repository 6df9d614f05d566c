#!/usr/bin/env bash
# Installs what Carnet needs to build (and, with --test, to test) on a Debian machine with rustup.
# Idempotent: every step checks first and does nothing when its tool is already there, so a
# second run costs a few seconds. Sourced or run by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_test=0
without_rust_tools=0
for argument in "$@"; do
  case "$argument" in
    --test) want_test=1 ;;
    --without-rust-tools) without_rust_tools=1 ;;
    *) echo "setup.sh: unknown option $argument" >&2; exit 2 ;;
  esac
done

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

# wasm-bindgen's and wasm-split's command-line tools (scripts/tools.sh). The test command
# builds them beside its first builds instead (`--without-rust-tools`).
[ "$without_rust_tools" = 1 ] || ./scripts/tools.sh

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

# npm packages: wasm-opt (binaryen 132; Debian's older one miscompiles), and for tests
# playwright-core and axe-core. Reinstalled only when package-lock.json changed.
if [ ! -f node_modules/.carnet-stamp ] || ! cmp -s package-lock.json node_modules/.carnet-stamp; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.carnet-stamp
fi

# For tests: PostgreSQL (scripts/postgres.sh makes a throwaway server; Debian puts its programs
# in /usr/lib/postgresql/VERSION/bin), haproxy and openssl for the end-to-end test of two
# servers behind a TLS proxy (tests/e2e/fleet.test.mjs), sqlite3 for the crash test's
# integrity check (tests/e2e/crash.test.mjs).
if [ "$want_test" = 1 ]; then
  missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v sqlite3 >/dev/null || missing+=(sqlite3)
  if (( ${#missing[@]} )); then
    say "installing Debian ${missing[*]}"
    apt_install "${missing[@]}"
  fi
fi

# Browser for tests: Debian's Chromium and its driver (tools that fetch their own browser fail here).
if [ "$want_test" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  say "installing Debian chromium and chromium-driver"
  apt_install chromium chromium-driver
fi
