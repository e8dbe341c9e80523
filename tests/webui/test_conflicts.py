"""A page that went stale while someone else worked on the case: a 409 that says so and leads to the case as it
is now; a busy database at the moment of saving keeps the form's input."""
from __future__ import annotations

from sqlalchemy.exc import OperationalError

from tests.webui.test_tasks import screened, url  # noqa: F401 - the fixture is used by name
from tests.webui.test_unit_of_work import failing_commits


def test_a_task_completed_meanwhile_leads_to_the_case_as_it_is_now(as_user, drive, screened):  # noqa: F811
    item = drive.task(screened, "classify")
    drive.do("intake", screened, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    response = as_user("intake").post(url(item), data={"level": "2", "handling_unit": "inspectorate"})
    assert response.status_code == 409
    assert f'id="fresh-case" href="/cases/{screened}"' in response.get_data(as_text=True)


def test_an_api_caller_gets_the_fresh_row_version_with_the_conflict(as_user, drive, screened):  # noqa: F811
    item = drive.task(screened, "classify")
    drive.do("intake", screened, "classify", {"level": 1, "handling_unit": "ward-ben-thanh"})
    response = as_user("intake").post(url(item), data={"level": "2", "handling_unit": "inspectorate"},
                                      headers={"Accept": "application/json"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["case_id"] == screened and body["row_version"] == drive.case(screened).row_version


def test_a_busy_database_at_saving_keeps_the_task_form_input(app, as_user, drive, factory, screened):  # noqa: F811
    item = drive.task(screened, "classify")
    intake = as_user("intake")
    with failing_commits(app, factory, OperationalError("COMMIT", {}, Exception("database is locked"))):
        response = intake.post(url(item), data={"level": "2", "handling_unit": "inspectorate",
                                                "classification_note": "Ghi chú giữ lại"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="conflict"' in html and "Ghi chú giữ lại" in html
    assert drive.task_names(screened) == ["classify"]  # nothing was saved
