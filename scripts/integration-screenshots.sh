#!/usr/bin/env bash
# Regenerates docs/integrations-*.png (GitHub's and Slack's set-up pages) (docs/integrations.md's pictures of the set-up
# pages), taken by the browser tests of tests/browser/test_integrations.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PARLEY_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_integrations.py -q "$@"
