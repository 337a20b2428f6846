#!/usr/bin/env bash
# Regenerates docs/call-incoming.png (the incoming-call prompt on a phone, 390x844) and
# docs/call-view.png (a video call on a desktop, 1280x800): taken by the direct-call
# browser test, with Chromium's fake camera and microphone, on the ASGI live server.
set -euo pipefail
cd "$(dirname "$0")/.."
PARLEY_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_calls.py -q \
  -k test_a_direct_video_call_rings_connects_mutes_and_hangs_up_for_both "$@"
