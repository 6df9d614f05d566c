#!/usr/bin/env bash
# Command 1: install what is missing, build, and run Carnet on its embedded defaults
# (SQLite file in ./data). Extra arguments go to the server, e.g. `--bind 0.0.0.0:8080`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
./scripts/setup.sh
./scripts/build-site.sh
cargo build -p server --release
exec target/release/carnet "$@"
