#!/usr/bin/env bash
# Builds the browser bundle into target/site: the app crate for wasm32 with the size profile,
# wasm-bindgen's JS glue, wasm-opt -Oz (binaryen 132 from npm, never Debian's), the CSS and the
# public files. Written to a temporary folder first, so a failed build never leaves half a site.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

site=target/site
staging=target/site.staging
wasm=target/wasm32-unknown-unknown/wasm-release/app.wasm
wasm_opt=node_modules/.bin/wasm-opt

cargo build -p app --lib --target wasm32-unknown-unknown --profile wasm-release --features hydrate

rm -rf "$staging"
mkdir -p "$staging/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$staging/pkg" --out-name carnet "$wasm"
if [ -x "$wasm_opt" ]; then
  # The features rustc enables by default for wasm32; wasm-opt must accept them.
  "$wasm_opt" -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$staging/pkg/carnet_bg.wasm" "$staging/pkg/carnet_bg.wasm"
else
  echo "[build-site] wasm-opt not found in node_modules (run scripts/setup.sh); bundle left unoptimised" >&2
fi
cp style/carnet.css "$staging/pkg/carnet.css"
cp -R public/. "$staging/"

rm -rf "$site"
mv "$staging" "$site"
echo "[build-site] site ready in $site" >&2
