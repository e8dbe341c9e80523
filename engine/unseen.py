"""Characters nobody can see on a page: control characters other than tab and the line breaks (C0, DEL, C1) and
the Unicode direction controls (embeddings, overrides, isolates), which make the text after them display
backwards, as "Trojan Source" did to code; and the zero-width space, word joiner and byte-order mark, which make a
required field look filled in (the zero-width joiners, which emoji and some scripts need, stay). Submitted form
text loses them on arrival (webui/params.py); the name of an uploaded file keeps none of them, nor tabs and line
breaks (a download's header cannot hold those)."""
from __future__ import annotations

import re
from pathlib import Path

_UNSEEN = r"\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\u202a-\u202e\u2066-\u2069\ufeff"
CONTROL = re.compile(rf"[\x00-\x08{_UNSEEN}]")
INVISIBLE = re.compile(rf"[\x01-\x08{_UNSEEN}]")  # the same but NUL (refused with its own message)
_NOT_IN_A_NAME = re.compile(rf"[\x00-\x1f{_UNSEEN}]")
MAX_FILE_NAME = 200  # attachments.filename, task_documents.filename


def file_name(uploaded: str) -> str:
    """The name a file arrived with, as pages show it and downloads offer it: its last path part (either slash),
    without control or direction characters, at most MAX_FILE_NAME characters (its extension kept); "file" when
    nothing is left."""
    name = _NOT_IN_A_NAME.sub("", Path(uploaded.replace("\\", "/")).name).strip()
    if len(name) > MAX_FILE_NAME:  # shortened in the middle: the extension says what the download is
        suffix = Path(name).suffix[:20]
        name = name[:MAX_FILE_NAME - len(suffix)] + suffix
    return name or "file"
