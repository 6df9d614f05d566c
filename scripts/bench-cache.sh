#!/usr/bin/env bash
# Benchmarks of the on-device copy in headless Chromium, built optimised (`--release`; the
# bundle's own wasm-release profile aborts on panic and strips what the test runner needs):
# 1,000 sealed records written in one IndexedDB transaction, sealing and opening from 1 KiB to
# 1 MB with the aes-gcm crate against the browser's AES-GCM, and the PBKDF2 derivation of the
# device code. Prints the figures (lines starting with BENCH); asserts no time.
# The render of a 100-document list after unlocking is measured by scripts/bench-offline.mjs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
./scripts/setup.sh --test
cargo test -p app --lib --release --target wasm32-unknown-unknown --features store \
  -- --include-ignored --nocapture bench_ 2>&1 | grep -E 'BENCH|test result|panicked|error' 
