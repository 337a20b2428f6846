"""The captured deliveries in ../fixtures: body bytes, headers and parsed payload."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The webhook secret the fixtures' X-Hub-Signature(-256) headers were made with.
SECRET = b"parley-github-fixtures"


@dataclass(frozen=True)
class Delivery:
    name: str
    body: bytes
    headers: dict[str, str]

    @property
    def event(self) -> str:
        return self.headers["X-GitHub-Event"]

    @property
    def payload(self) -> Any:
        """A fresh parse of the body (callers may change it)."""
        return json.loads(self.body)


def names() -> list[str]:
    return sorted(p.name.removesuffix(".headers.json") for p in FIXTURES.glob("*.headers.json"))


@cache
def delivery(name: str) -> Delivery:
    headers = json.loads((FIXTURES / f"{name}.headers.json").read_text())
    return Delivery(name, (FIXTURES / f"{name}.json").read_bytes(), headers)
