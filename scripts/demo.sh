#!/usr/bin/env bash
# Quick start 1: install everything and start the station in demo mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
exec .venv/bin/vpr-station --demo "$@"
