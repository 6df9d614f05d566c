#!/usr/bin/env bash
# Command 1: install what is missing, build, and run Carnet on its embedded defaults
# (SQLite file in ./data). Extra arguments go to the server, e.g. `--bind 0.0.0.0:8080`.
# With `--demo` first, the demo directory of professionals is loaded and a card is issued for
# Dr Anne Martin (`data/demo-card.json`, PIN 2468) before the server starts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

demo=false
if [[ "${1:-}" == "--demo" ]]; then
  demo=true
  shift
fi

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
./scripts/setup.sh
./scripts/build-site.sh
cargo build -p server --release
if $demo; then
  target/release/carnet directory import demo/directory.json
  CARNET_CARD_PIN=2468 target/release/carnet card issue --rpps 10000000009 --out data/demo-card.json
fi
exec target/release/carnet "$@"
