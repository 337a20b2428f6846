#!/usr/bin/env bash
# Regenerates docs/chat-desktop.png (1280x800) and docs/chat-phone.png (390x844): the chat
# page with seeded conversations, taken by a browser test on the ASGI live server.
# Emoji need a colour emoji font (Debian: fonts-noto-color-emoji), or they show as boxes.
set -euo pipefail
cd "$(dirname "$0")/.."
PARLEY_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_chat_experience.py -q \
  -k test_screenshots_at_desktop_and_phone_width "$@"
