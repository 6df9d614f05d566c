#!/usr/bin/env bash
# Command 2: install what is missing and run every test: formatting and lints on both feature
# sets, unit and HTTP tests, browser tests of the wasm code in headless Chromium, the release
# bundle's size budget, and end-to-end tests against the real server in headless Chromium.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
started=$(date +%s)
# Each step's header says how long the run has taken so far, so slow steps show in CI's log.
step() { printf '\n\033[1m== %s\033[0m (at %d s)\n' "$*" "$(( $(date +%s) - started ))"; }
# Every runner's output also goes to this log, so the closing line can add up all the counts.
log=$(mktemp)
# The jobs that run beside the steps, each in a process group of its own (so that a step failing
# before a job is awaited stops it and all it started), and the files of their output.
groups=()
files=("$log")
trap 'kill -- "${groups[@]/#/-}" 2>/dev/null || true; rm -f "${files[@]}"' EXIT
# Waits for such a job, adds its output (without cargo's "Compiling" lines) to the log, and stops
# the run if it failed.
await_job() {
  local what=$1 job=$2 output=$3 status=0
  wait "$job" || status=$?
  grep -v '^ *\(Compiling\|Downloaded\) ' "$output" | tee -a "$log" || true
  if (( status != 0 )); then
    echo "$what failed (exit $status)" >&2
    exit "$status"
  fi
}

step "set-up"
./scripts/setup.sh --test --without-rust-tools
# The two Rust tools (three minutes on a fresh machine, scripts/tools.sh) build beside the steps
# below instead of before them. The site's build waits for them before its first use of them.
tools_log=$(mktemp)
files+=("$tools_log")
setsid ./scripts/tools.sh >"$tools_log" 2>&1 &
tools=$!
groups+=("$tools")

# The release bundle builds beside the lints and the tests: its slowest part (the whole-program
# optimisation of the wasm, then wasm-opt) runs on one core while the debug builds use the other.
# Another profile, so another build lock: the two cargo runs never wait for each other.
site_log=$(mktemp)
files+=("$site_log")
setsid ./scripts/build-site.sh --deny-warnings >"$site_log" 2>&1 &
site_build=$!
groups+=("$site_build")

step "format"
cargo fmt --all --check
# The store's SQL is compiled once per database from modules declared inside a macro
# (server/src/store/mod.rs), which cargo fmt does not follow: checked here by name.
rustfmt --edition 2024 --check server/src/store/sql/*.rs

step "embedded data is what its committed conversion makes"
node scripts/ansm-convert.mjs --check
node scripts/bdpm-convert.mjs --check

# The lints run inside the test builds. clippy-driver is rustc with the lints added; as the
# compiler of the workspace's own crates it lints them while building them, and the dependencies
# are built once, as `cargo test` needs them, instead of once more in check mode for `cargo
# clippy` (five minutes of a cold run). CLIPPY_ARGS is how `cargo clippy -- -D warnings` passes
# its flags to the driver. Every cargo command below shares these, so none rebuilds another's.
export RUSTC_WORKSPACE_WRAPPER
RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

# A PostgreSQL server of the run's own (Debian's package, a cluster in a temporary folder,
# removed at the end): the store's tests run on both databases, and the HTTP tests run again
# on it below.
step "PostgreSQL server for the tests"
pg_dir=$(mktemp -d)
trap 'kill -- "${groups[@]/#/-}" 2>/dev/null || true; rm -f "${files[@]}"; ./scripts/postgres.sh stop "$pg_dir"' EXIT
CARNET_TEST_POSTGRES=$(./scripts/postgres.sh start "$pg_dir")
export CARNET_TEST_POSTGRES

step "lints and unit and HTTP tests: server and app (ssr)"
# --tests --benches: every test target, and the benchmarks too (so they are linted); running them
# is left to their scripts. Not --all-targets, which would also build the app library's own test
# harness, left out on purpose (app/Cargo.toml says why).
cargo test --workspace --tests --benches --no-run
# A guard, far above the two to three minutes they take: a test that hangs fails the run here,
# after cargo's "has been running for over 60 seconds" line has named it, instead of holding CI
# until its own limit.
timeout -k 30 900 cargo test --workspace 2>&1 | tee -a "$log"

step "HTTP tests again, on PostgreSQL"
CARNET_TEST_STORE=postgres timeout -k 30 600 cargo test -p server --test http 2>&1 | tee -a "$log"

step "release bundle and size budget"
await_job "installing the Rust tools" "$tools" "$tools_log"
await_job "building the release bundle" "$site_build" "$site_log"
node scripts/size-report.mjs

# The end-to-end tests mostly wait on the browser and the server: they run beside the wasm
# build below, and their report follows it. They use the server binary the test build above
# made (target/debug/carnet; `cargo build -p server` would build another, with other features).
# Two files at a time (each has its own server, data and browser): 200 s instead of 300.
e2e_log=$(mktemp)
files+=("$e2e_log")
# Each test has ten minutes at most (a guard: all of them together take about three).
setsid node --test --test-concurrency=2 --test-timeout=600000 tests/e2e/ >"$e2e_log" 2>&1 &
e2e=$!
groups+=("$e2e")

step "browser tests of the on-device store (feature store, wasm32, headless Chromium)"
# Their build is the sealed store alone, without the pages or the framework (app/src/lib.rs says
# why). The library as the browser gets it, pages and all, is the release bundle's build above:
# linted, and failed by a warning.
store_log=$(mktemp)
files+=("$store_log")
cargo test -p app --lib --target wasm32-unknown-unknown --features store 2>&1 | tee -a "$log" "$store_log"
# `--lib` names the library although its host test harness is off (app/Cargo.toml); were cargo
# to stop building it when named, this step would pass on no test at all instead of failing.
if ! grep -q '^test result: ok\. [1-9]' "$store_log"; then
  echo "the browser tests of the on-device store ran no test" >&2
  exit 1
fi

step "end-to-end tests (real server, headless Chromium)"
await_job "the end-to-end tests" "$e2e" "$e2e_log"

passed=$(awk '/^test result:/ { n += $4 } /^# pass / { n += $3 } END { print n + 0 }' "$log")
failed=$(awk '/^test result:/ { n += $6 } /^# fail / { n += $3 } END { print n + 0 }' "$log")
echo
echo "all test steps done in $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
