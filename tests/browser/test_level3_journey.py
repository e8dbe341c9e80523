"""A level-3 case in a real browser, every step through the UI: intake classifies it for the inspectorate with two
agencies (police and market management); the inspectorate starts handling and proposes a joint inspection; the
police acknowledge and confirm it, market management acknowledges and declines with a reason; the day before,
the participants are reminded; after the inspection the inspectorate records the minutes with the signed
biên bản, the police confirm them; both agencies contribute their findings (the police with a document); the
inspectorate closes coordination, enters the result and the inspector verifies it.

The engine clock (which SpiffWorkflow's timers read too) is frozen in the same process as the live server, so
the day before and the inspection itself come without waiting; the timer worker runs once at each of them.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from engine import timers
from engine.clock import FrozenClock, use_clock
from tests.browser.staff import claim, complete, sign_in, sign_out, submit_report

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08:00 in Ho Chi Minh City
INSPECTION = START + timedelta(hours=48)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def choose(tab, field: str, value: str) -> None:
    """Tick the radio or checkbox of `field` whose value is `value`."""
    tab.check(f"input[name={field}][value='{value}']")


def acknowledge(tab, code: str) -> None:
    claim(tab, code, "acknowledge_request")
    assert tab.input_value("#f-acknowledged_by"), "the acknowledging person's name is not prefilled"
    complete(tab)


def test_a_level_3_case_with_two_agencies_and_a_joint_inspection_from_intake_to_the_verified_result(
        page, live_server, shot, tmp_path):
    factory = live_server.factory
    minutes_pdf = tmp_path / "bien-ban-kiem-tra-lien-nganh.pdf"
    minutes_pdf.write_bytes(PDF)
    police_pdf = tmp_path / "bao-cao-cong-an.pdf"
    police_pdf.write_bytes(PDF)
    with use_clock(FrozenClock(START)) as clock:
        case = submit_report(factory, description="Cơ sở đào tạo tiêm filler, botox không phép, học viên "
                                                  "thực hành trên khách.", facility_name="Học viện Ánh Dương")

        # intake: in scope, level 3 for the inspectorate with the police and market management
        sign_in(page, "intake")
        claim(page, case.code, "screen")
        choose(page, "screening_outcome", "in_scope")
        complete(page)
        claim(page, case.code, "classify")
        assert not page.locator("#f-agencies").is_visible()  # agencies only for level 3
        choose(page, "level", "3")
        page.select_option("#f-handling_unit", "inspectorate")
        choose(page, "agencies", "police")
        choose(page, "agencies", "market-mgmt")
        page.fill("#f-classification_note", "Đào tạo thẩm mỹ trái phép: phối hợp Công an và Quản lý thị trường.")
        shot(page, "classify-level-3")
        complete(page)
        sign_out(page)

        # the inspectorate starts handling and proposes a joint inspection with both agencies, in two days
        sign_in(page, "inspectorate")
        claim(page, case.code, "start_handling")
        page.fill("#f-handling_plan", "Kiểm tra đột xuất liên ngành cơ sở đào tạo.")
        complete(page)
        claim(page, case.code, "coordinate")
        # the form shows what the chosen action needs: nothing of the four actions' fields until one is chosen
        action_fields = ["#f-invited_agency", "#f-request_question", "#f-inspection_place", "#f-agreement_summary"]
        assert [page.locator(f).is_visible() for f in action_fields] == [False] * 4
        assert page.locator("#f-coordination_note").is_visible()
        page.select_option("#f-action", "invite_agency")
        assert [page.locator(f).is_visible() for f in action_fields] == [True, False, False, False]
        page.select_option("#f-action", "joint_inspection")
        assert [page.locator(f).is_visible() for f in action_fields] == [False, False, True, False]
        page.fill("#f-inspection_at", INSPECTION.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M"))
        page.fill("#f-inspection_place", "Học viện Ánh Dương, 12 Lê Lợi")
        choose(page, "inspection_agencies", "police")
        choose(page, "inspection_agencies", "market-mgmt")
        shot(page, "propose-joint-inspection")
        complete(page)
        assert page.locator(f'tr[data-case-code="{case.code}"][data-task="coordinate"]').count() == 1, \
            "the inspectorate can no longer coordinate"
        sign_out(page)

        # the police acknowledge and confirm the inspection
        sign_in(page, "police")
        acknowledge(page, case.code)
        claim(page, case.code, "confirm_joint_inspection")
        choose(page, "attendance", "confirm")
        page.fill("#f-participant_names", "Đại úy Lê Văn C, Phòng PC03")
        complete(page)
        sign_out(page)

        # market management acknowledges and declines; a decline without a reason is refused first
        sign_in(page, "market")
        acknowledge(page, case.code)
        claim(page, case.code, "confirm_joint_inspection")
        choose(page, "attendance", "decline")
        with page.expect_navigation():
            page.click("#complete-task")
        assert page.locator("#f-decline_reason-error").is_visible(), "a decline without a reason was accepted"
        shot(page, "decline-needs-a-reason")
        page.fill("#f-decline_reason", "Lực lượng đang tham gia đợt kiểm tra hàng giả.")
        complete(page)
        sign_out(page)

        # the day before: the participants are reminded (the police, who confirmed; not market management)
        clock.set(INSPECTION - timedelta(hours=24) + timedelta(minutes=1))
        assert timers.run_once(factory).fired >= 1
        sign_in(page, "police")
        page.goto("/notifications/")
        assert case.code in page.locator("main").inner_text(), "the police were not reminded of the inspection"
        shot(page, "police-reminded")
        sign_out(page)

        # after the inspection the inspectorate records the minutes with the signed biên bản
        clock.set(INSPECTION + timedelta(hours=3))
        timers.run_once(factory)
        sign_in(page, "inspectorate")
        claim(page, case.code, "record_minutes")
        page.fill("#f-minutes_ref", "BB 01/TTLN")
        page.fill("#f-minutes_summary", "Cơ sở tổ chức đào tạo tiêm filler, botox khi chưa được cấp phép.")
        page.fill("#f-inspection_findings", "Không có giấy phép; 12 học viên; thuốc không rõ nguồn gốc.")
        page.set_input_files("#f-documents", str(minutes_pdf))
        shot(page, "record-minutes")
        complete(page)
        sign_out(page)

        # the police, who took part, confirm the minutes and contribute findings with their report
        sign_in(page, "police")
        claim(page, case.code, "confirm_minutes")
        choose(page, "minutes_agreed", "true")
        complete(page)
        claim(page, case.code, "contribute_findings")
        page.fill("#f-agency_findings", "Chưa phát hiện dấu hiệu tội phạm; tiếp tục xác minh nguồn thuốc.")
        choose(page, "urgent_phone_contact", "false")
        page.set_input_files("#f-documents", str(police_pdf))
        complete(page)
        page.goto(f"/cases/{case.id}")
        assert "bao-cao-cong-an.pdf" in page.locator("#documents").inner_text()
        assert "Nguyễn A" not in page.content() and "0901234567" not in page.content()  # never the reporter
        sign_out(page)

        sign_in(page, "market")
        claim(page, case.code, "contribute_findings")
        page.fill("#f-agency_findings", "Mỹ phẩm, thuốc tiêm không có hóa đơn chứng từ.")
        choose(page, "urgent_phone_contact", "false")
        complete(page)
        sign_out(page)

        # the inspectorate sees both agencies on the panel, closes coordination and enters the result
        sign_in(page, "inspectorate")
        page.goto(f"/cases/{case.id}")
        panel = page.locator("#agency-panel")
        assert panel.locator("tr[data-agency='police']").count() >= 1
        assert panel.locator("tr[data-agency='market-mgmt']").count() >= 1
        documents = page.locator("#documents").inner_text()
        assert "bien-ban-kiem-tra-lien-nganh.pdf" in documents and "bao-cao-cong-an.pdf" in documents
        shot(page, "case-page-agency-panel")
        page.goto("/inbox/")
        claim(page, case.code, "coordinate")
        page.select_option("#f-action", "finish")
        complete(page)
        claim(page, case.code, "enter_result")
        assert "Mỹ phẩm, thuốc tiêm không có hóa đơn" in page.content(), "the agencies' findings are not shown"
        page.fill("#f-findings", "Cơ sở đào tạo tiêm filler, botox không phép (biên bản BB 01/TTLN).")
        page.check("#f-measures-2")  # suspension
        page.fill("#f-citizen_summary", "Cơ sở đã bị đình chỉ hoạt động đào tạo. Cảm ơn anh/chị đã phản ánh.")
        shot(page, "enter-result-with-findings")
        complete(page)
        sign_out(page)

        # the inspector verifies the result, which publishes it
        sign_in(page, "inspector")
        claim(page, case.code, "verify_result")
        choose(page, "verification", "accept")
        complete(page)
        page.goto(f"/cases/{case.id}")
        assert page.locator("#case-status").inner_text().strip() == live_server.status_label("result_published")
        shot(page, "result-published")
