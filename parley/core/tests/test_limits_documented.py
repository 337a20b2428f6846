"""The README's "Limits" names every rate limit with its default (settings.RATE_LIMITS)."""

import re
from pathlib import Path

from config.settings.base import _rate_limits

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_rate_limit_is_in_the_readme_with_its_default():
    limits = README.read_text().split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    for name, (rate, burst) in _rate_limits("").items():
        rows = [line for line in limits.splitlines() if f"`{name}`" in line]
        default = re.compile(rf"(?<![\d.]){re.escape(f'{rate:g}')}/s, burst {burst}(?!\d)")
        assert any(default.search(row) for row in rows), f"README, Limits: `{name}` at {default}"
