#!/usr/bin/env bash
# Command 2: install what is missing and run every test: formatting and lints on both feature
# sets, unit and HTTP tests, browser tests of the wasm code in headless Chromium, the release
# bundle's size budget, and end-to-end tests against the real server in headless Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$(date +%s)

step "set-up"
./scripts/setup.sh --test

step "format"
cargo fmt --all --check

step "lints: server and app (ssr)"
cargo clippy -p server --all-targets -- -D warnings
step "lints: app (hydrate, wasm32)"
cargo clippy -p app --lib --tests --target wasm32-unknown-unknown --features hydrate -- -D warnings

step "unit and HTTP tests"
cargo test --workspace

step "browser tests of the wasm code (headless Chromium)"
cargo test -p app --lib --target wasm32-unknown-unknown --features hydrate

step "release bundle and size budget"
./scripts/build-site.sh
node scripts/size-report.mjs

step "end-to-end tests (real server, headless Chromium)"
cargo build -p server
node --test --test-concurrency=1 tests/e2e/

echo
echo "all tests passed in $(( $(date +%s) - started )) s"
