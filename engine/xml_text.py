"""Text written into an XML document (a spreadsheet's cells, an Open311 answer in XML).

XML 1.0 cannot hold every character a person can send: control characters other than tab and the line breaks,
lone surrogates (a JSON body may escape one), U+FFFE and U+FFFF. They are dropped when the document is written,
so a character pasted into a report never makes a download or an API answer fail."""
from __future__ import annotations

import re
from typing import Any

NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any) -> str:
    """`value` as text that XML 1.0 can hold."""
    return NOT_IN_XML.sub("", str(value))
