#!/usr/bin/env bash
# Regenerates docs/chat-desktop.png (1280x800), docs/chat-phone.png (390x844),
# docs/chat-phone-360.png (360x740) and docs/chat-phone-430.png (430x932), each also in the
# dark theme (-dark), and docs/invite-phone.png (the invite suggestions at 360 px): the
# chat page with seeded conversations, taken by browser tests on the ASGI live server.
# Emoji need a colour emoji font (Debian: fonts-noto-color-emoji), or they show as boxes.
set -euo pipefail
cd "$(dirname "$0")/.."
PARLEY_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_chat_experience.py -q \
  -k test_screenshots_at_desktop_and_phone_width "$@"
PARLEY_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_web_client.py -q \
  -k test_people_are_invited_by_typing "$@"
