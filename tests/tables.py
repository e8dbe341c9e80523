"""Edit a bundle's decision tables the way a process owner does in the studio's table editor: change a cell."""
from __future__ import annotations

import copy
from typing import Any

from lxml import etree

DEADLINES = "deadlines.dmn"
ROUTING = "routing.dmn"


def set_cell(bundle: dict[str, Any], filename: str, rule_id: str, output: int, text: str) -> dict[str, Any]:
    """A copy of `bundle` whose table `filename` has `text` in output cell `output` (0-based) of rule `rule_id`."""
    changed = copy.deepcopy(bundle)
    root = etree.fromstring(changed["dmn"][filename].encode("utf-8"))
    (rule,) = root.xpath("//*[local-name()='rule'][@id=$id]", id=rule_id)
    cell = rule.xpath("*[local-name()='outputEntry']/*[local-name()='text']")[output]
    cell.text = text
    changed["dmn"][filename] = etree.tostring(root, encoding="unicode")
    return changed


def set_deadline(bundle: dict[str, Any], level: int, hours: int | str, reminder: int | str | None = None
                 ) -> dict[str, Any]:
    """Level `level` takes `hours` (and reminds `reminder` hours before) in the deadline table."""
    changed = set_cell(bundle, DEADLINES, f"deadline_level_{level}", 0, str(hours))
    return changed if reminder is None else set_cell(changed, DEADLINES, f"deadline_level_{level}", 1, str(reminder))
