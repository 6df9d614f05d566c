#!/usr/bin/env bash
# Builds the release browser bundle and prints its sizes against the budget.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh
./scripts/build-site.sh
node scripts/size-report.mjs
