"""The characters nobody can see, and the name an uploaded file keeps."""
from __future__ import annotations

import pytest

from engine.unseen import CONTROL, INVISIBLE, MAX_FILE_NAME, file_name


@pytest.mark.parametrize(("sent", "kept"), [
    ("bien-ban.pdf", "bien-ban.pdf"),
    ("C:\\Users\\An\\Ảnh\\IMG_0001.jpg", "IMG_0001.jpg"),  # a Windows path: its last part
    ("../../etc/passwd", "passwd"),
    ("a\r\nX-Evil: 1.pdf", "aX-Evil: 1.pdf"),  # no line break: a download's header cannot hold one
    ("photo\u202egpj.exe", "photogpj.exe"),  # no direction override: the name reads as sent
    ("\u2066biên bản\u2069\t\x85.pdf", "biên bản.pdf"),
    ("👩\u200d⚕️ bác sĩ.jpg", "👩\u200d⚕️ bác sĩ.jpg"),  # a joiner inside an emoji is how it is written
    ("\x01\x02", "file"), ("", "file"), ("/", "file"),
])
def test_a_file_keeps_its_last_path_part_without_unseen_characters(sent, kept):
    assert file_name(sent) == kept


def test_a_long_name_is_cut_to_the_column_before_its_extension():
    assert file_name("a" * 500 + ".pdf") == "a" * (MAX_FILE_NAME - 4) + ".pdf"  # was cut to "aaa…a", no ".pdf"


def test_form_text_keeps_tab_line_breaks_and_joiners_and_loses_the_rest():
    assert INVISIBLE.sub("", "a\tb\nc\r\nd\x01\x7f\x9f\u202e\u2067e\u200d") == "a\tb\nc\r\nde\u200d"
    assert CONTROL.search("\x00") and not INVISIBLE.search("\x00")  # NUL: refused with its own message

