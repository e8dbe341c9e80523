"""The accessibility check: axe-core (from npm, node_modules/axe-core) injected into a page by Playwright; no
serious or critical violation may remain. The app's CSP allows no injected script, so the tabs that run it are
opened with `bypass_csp=True` (in these tests only)."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(tab) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.x A/AA rules and best practices)."""
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` (axe-core is a dev dependency in package.json)"
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("""async () => await window.axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
        resultTypes: ['violations']})""")
    return result["violations"]


def readable(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['impact']}: {v['id']} — {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:6]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')[:200]}")
    return "\n".join(lines)


def assert_accessible(tab, where: str) -> None:
    """No serious or critical axe-core violation on the page (the failure lists each, with the elements)."""
    blocking = [v for v in violations(tab) if v.get("impact") in BLOCKING]
    assert not blocking, f"accessibility problems on {where}:\n{readable(blocking)}"
