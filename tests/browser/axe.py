"""axe-core in the browser tests: every page and state they check must have no violation
of WCAG 2.1 A and AA nor of axe's best practices.

axe-core is Deque's engine (what browser extensions and CI services run), vendored from
the npm registry by scripts/axe-core.sh (which `make test` runs) into var/axe-core/: the
Python wrappers on PyPI either bundle an old copy or download at run time.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "var" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def assert_accessible(page: Page, state: str) -> None:
    """Run axe on the page as it is now (`state` names it in the failure)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `bash scripts/axe-core.sh` (make test does).")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "rules => axe.run(document,"
        " {runOnly: {type: 'tag', values: rules}, resultTypes: ['violations']})",
        RULES,
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(
            f"{' '.join(n['target'])}: {n['failureSummary'].splitlines()[-1].strip()}"
            for n in v["nodes"][:5]
        )
        for v in result["violations"]
    ]
    assert not problems, f"axe-core, {state} at {page.url}:\n" + "\n".join(problems)
