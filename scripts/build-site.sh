#!/usr/bin/env bash
# Builds the browser bundle into target/site: the app crate for wasm32 with the size profile,
# cut by wasm-split into the main module and lazily loaded chunks (the `#[lazy_route]` pages),
# the chunks merged into a few per page,
# wasm-bindgen's JS glue, wasm-opt -Oz on every module (binaryen 132 from npm, never Debian's),
# the CSS, the public files and the reference data, the service worker stamped with the app
# shell's files and version, each with brotli and gzip copies the server
# sends to browsers that accept them. Written to a temporary folder first, so a failed build never
# leaves half a site.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

site=target/site
staging=target/site.staging
wasm=target/wasm32-unknown-unknown/wasm-release/app.wasm

# `--deny-warnings` (the test command): a warning in the app crate fails the build. This is the
# one build of the browser's code, so the one where code that only the server uses is dead.
# Cargo says a fresh crate's warnings again, so a warm build fails on them too.
deny_warnings=0
[ "${1:-}" = "--deny-warnings" ] && deny_warnings=1
build=(cargo build -p app --lib --target wasm32-unknown-unknown --profile wasm-release --features hydrate)
# This build is also the lint of the code only the browser runs (the browser tests' build leaves
# the pages out, see app/src/lib.rs): clippy-driver is rustc with the lints added, as the compiler
# of the app crate alone. Their warnings are warnings here, so that `run.sh` builds what there is;
# `--deny-warnings` fails on any. The same for both, so that they share one build.
export RUSTC_WORKSPACE_WRAPPER
RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
unset CLIPPY_ARGS
if (( deny_warnings )); then
  cargo_log=$(mktemp)
  trap 'rm -f "$cargo_log"' EXIT
  status=0
  "${build[@]}" 2>"$cargo_log" || status=$?
  cat "$cargo_log" >&2
  (( status == 0 )) || exit "$status"
  if grep -q '^warning: `app` (lib) generated' "$cargo_log"; then
    echo "[build-site] the app crate has warnings (above)" >&2
    exit 1
  fi
else
  "${build[@]}"
fi

# The tools below: installed now if missing, or, when the test command is installing them beside
# this build, once that install has finished.
./scripts/tools.sh

# Everything the site is made of: when none of it changed since the last build, the site in
# place is the one this build would make (a warm test run saves wasm-opt's minute and a half).
# The tools' versions are pinned in tools.sh, hashed with the rest.
inputs=$({
  sha256sum "$wasm" style/carnet.css app/data/ansm-interactions.json app/data/bdpm-medicines.json package-lock.json \
    scripts/build-site.sh scripts/wasm-merge-chunks.mjs scripts/wasm-opt-all.mjs scripts/sw-stamp.mjs \
    scripts/precompress.mjs \
    scripts/tools.sh
  find public -type f -print0 | sort -z | xargs -0 sha256sum
  wasm-bindgen --version
} | sha256sum | cut -d' ' -f1)
if [[ -d "$site" && -f "$site.inputs" && "$(cat "$site.inputs")" == "$inputs" ]]; then
  echo "[build-site] $site is up to date with its inputs" >&2
  exit 0
fi
rm -f "$site.inputs"

rm -rf "$staging" target/wasm-split
mkdir -p "$staging/pkg" target/wasm-split
# Main module + chunks + the loader `__wasm_split.js`, which imports `initSync` from carnet.js.
wasm-split-cli "$wasm" target/wasm-split --out-name carnet --target web
# Its ~250 modules merged into a few per page, its loader rewritten to match (see the script).
node scripts/wasm-merge-chunks.mjs target/wasm-split
# --keep-lld-exports: the chunks import the function table and memory from the main module.
wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir "$staging/pkg" --out-name carnet \
  target/wasm-split/carnet.wasm
cp target/wasm-split/__wasm_split.js "$staging/pkg/"
find target/wasm-split -name '*.wasm' ! -name carnet.wasm -exec cp {} "$staging/pkg/" \;
# wasm-opt -Oz on every module, in one process (binaryen 132 from npm; see the script).
node scripts/wasm-opt-all.mjs "$staging/pkg"
cp style/carnet.css "$staging/pkg/carnet.css"
cp -R public/. "$staging/"
# Reference data the pages fetch when they need it (the server embeds the same file).
mkdir -p "$staging/data"
cp app/data/ansm-interactions.json app/data/bdpm-medicines.json "$staging/data/"
# The service worker learns the build's app shell and version.
node scripts/sw-stamp.mjs "$staging"
node scripts/precompress.mjs "$staging"

rm -rf "$site"
mv "$staging" "$site"
echo "$inputs" > "$site.inputs"
echo "[build-site] site ready in $site" >&2
