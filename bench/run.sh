#!/usr/bin/env bash
# The benchmark driver with the project's venv: bench/run.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench.run "$@"
