"""One unit of work per request: the work is saved after the page was made, and when saving fails the person
sees why, keeps what they typed, gets no tracking code, and no uploaded file stays behind."""
from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tests.webui.test_portal import REPORT, count_cases, jpeg_with_gps, submit

NOT_SAVED = "Báo cáo của bạn chưa được lưu"  # the start of the message, in the default language


@contextmanager
def failing_commits(app, factory, error: Exception):
    """Each request's first commit fails with `error` (a database that went away for a moment, a locked file)."""
    def session():
        made = factory()
        commit = made.commit
        calls = []

        def refuse_once():
            calls.append(1)
            if len(calls) == 1:
                raise error
            commit()
        made.commit = refuse_once
        return made
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.extensions, "rr_sessions", session)
        yield


def unavailable() -> OperationalError:
    return OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


def attachments_left(app) -> list[Path]:
    folder = Path(app.config["ATTACHMENTS_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("error", [unavailable(),
                                   OperationalError("COMMIT", {}, Exception("database is locked"))],
                         ids=["database-gone", "database-locked"])
def test_a_report_that_could_not_be_saved_gets_an_error_and_no_tracking_code(app, browser, factory, error):
    with failing_commits(app, factory, error):
        response = submit(browser, {"name": "Trần Văn B", "phone": "0903 111 222"},
                          files=[(io.BytesIO(jpeg_with_gps()), "IMG_0001.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == (409 if "locked" in str(error) else 503)
    assert 'id="form-errors"' in html and NOT_SAVED in html
    assert 'id="tracking-code"' not in html
    assert f'value="{REPORT["facility_name"]}"' in html and 'value="Trần Văn B"' in html  # the form is kept
    assert attachments_left(app) == []  # the photo saved before the commit is deleted again
    assert count_cases(factory) == 0
    done = browser.get("/report/done")
    assert done.status_code == 302  # no code was put in the citizen's session


def test_after_a_failed_report_the_same_form_can_be_sent_again(app, browser, factory):
    with failing_commits(app, factory, unavailable()):
        submit(browser, key="again")
    assert submit(browser, key="again").status_code == 302
    assert count_cases(factory) == 1


def test_a_task_whose_save_failed_is_not_reported_done(app, as_user, drive, factory):
    case_id = drive.report(ward="ward-ben-thanh")
    item = drive.task(case_id, "screen")
    intake = as_user("intake")
    with failing_commits(app, factory, unavailable()):
        response = intake.post(f"/cases/{case_id}/tasks/{item.task_id}", data={"screening_outcome": "in_scope"})
    assert response.status_code == 503
    assert drive.task_names(case_id) == ["screen"]  # nothing was saved
    inbox = intake.get("/inbox/").get_data(as_text=True)
    assert "Đã hoàn thành" not in inbox  # the "done" message of the unsaved work was dropped with it
