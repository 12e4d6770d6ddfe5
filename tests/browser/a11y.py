"""axe-core in the browser tests: the serious and critical violations of the page as it is now.

axe-core comes from npm (a devDependency; never served to users). Its source is evaluated in
the page through the browser's debugging protocol, which the page's CSP does not govern, so the
page under test keeps its production CSP.
"""

from __future__ import annotations

import functools
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def severe_violations(page) -> list[str]:
    """Return 'rule: target' for each serious or critical WCAG 2 A/AA violation on PAGE."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']});
          return result.violations.map(v => ({id: v.id, impact: v.impact,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {'; '.join(v['targets'])}"
        for v in found
        if v["impact"] in SEVERE
    ]
