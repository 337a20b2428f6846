"""The README's "Limits" names every rate limit with its default (settings.RATE_LIMITS)."""

from pathlib import Path

from config.settings.base import _rate_limits

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_rate_limit_is_in_the_readme_with_its_default():
    limits = README.read_text().split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    for name, (rate, burst) in _rate_limits("").items():
        rows = [line for line in limits.splitlines() if f"`{name}`" in line]
        default = f"{rate:g}/s, burst {burst}"
        assert any(default in row for row in rows), f"README, Limits: `{name}` at {default}"
