"""Report figures on a hand-built week (tests/reportdata.py) whose right answers are written here, on SQLite and
PostgreSQL. Percentiles by hand: linear interpolation between the closest ranks."""
from __future__ import annotations

import pytest

from engine import reports
from engine.actors import Actor
from engine.db import transaction
from engine.errors import PermissionDenied, ValidationError
from engine.report_periods import parse_period
from engine.report_stats import durations, percentile
from engine.reports import ReportFilter
from tests.reportdata import AT_HOURS, at, build_week

LEADER = Actor("leader", frozenset({"leadership"}))
WEEK = parse_period("2026-W48")
EVERYTHING = ReportFilter()


@pytest.fixture
def week(drive):
    return build_week(drive)


def _report(factory, wanted=EVERYTHING, period=WEEK, actor=LEADER):
    with transaction(factory) as session:
        return reports.report(session, actor, period, wanted, at=at(AT_HOURS))


def _behind(factory, metric, wanted=EVERYTHING, period=WEEK):
    with transaction(factory) as session:
        return {row.id for row in reports.cases_behind(session, LEADER, metric, period, wanted,
                                                       at=at(AT_HOURS)).rows}


def test_percentiles_interpolate_between_the_closest_ranks():
    assert percentile([10, 20, 28, 30], 0.5) == 24
    assert percentile([10, 20, 28, 30], 0.9) == pytest.approx(29.4)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None
    assert durations([3, 1, 2]).small and not durations([1, 2, 3, 4, 5]).small and not durations([]).small


def test_received_counts_every_report_of_the_week_by_level_ward_category_unit_channel_and_agency(factory, week):
    found = _report(factory)
    assert found.received == 7  # A B C D E G I; H came the week before
    assert dict(found.received_by["level"]) == {1: 3, 2: 2, 3: 1, None: 1}
    assert dict(found.received_by["ward"]) == {"ward-ben-thanh": 5, "ward-tan-dinh": 2}
    assert dict(found.received_by["category"]) == {"cosmetic_surgery": 6, "service_prices": 1}
    assert dict(found.received_by["handling_unit"]) == {"inspectorate": 3, "ward-ben-thanh": 2,
                                                        "ward-tan-dinh": 1, None: 1}
    assert dict(found.received_by["source"]) == {"web": 7}
    assert dict(found.received_by["agency"]) == {"police": 1, "market-mgmt": 1}


def test_level_3_cases_without_a_list_of_agencies_count_for_no_agency(factory, week):
    from sqlalchemy import null, update

    from engine.models import Case

    with transaction(factory) as session:  # a JSON null and an SQL NULL
        session.execute(update(Case).where(Case.id == week["B"]).values(level=3, agencies=None))
        session.execute(update(Case).where(Case.id == week["D"]).values(level=3, agencies=null()))
    found = _report(factory)
    assert dict(found.received_by["level"])[3] == 3
    assert dict(found.received_by["agency"]) == {"police": 1, "market-mgmt": 1}


def test_on_time_and_late_per_level_count_cases_whose_deadline_fell_in_the_week(factory, week):
    found = _report(factory)
    by_level = {d.level: (d.on_time, d.late, d.pending) for d in found.deadlines}
    # level 1: A on time; B published late, H (received the week before) late; E pending.
    # level 2: D overdue; C reopened after a dispute and past its fresh deadline. Level 3: I overdue.
    assert by_level == {1: (1, 2, 1), 2: (0, 2, 0), 3: (0, 1, 0)}
    assert _behind(factory, "late") == {week[k] for k in "BHCDI"}
    assert _behind(factory, "on_time") == {week["A"]}
    assert _behind(factory, "pending") == {week["E"]}


def test_a_late_case_stays_late_after_it_closes(factory, week, drive):
    drive.do_as_citizen(week["B"], {"resolved": True, "rating": 4})
    assert drive.case(week["B"]).status == "closed"
    assert week["B"] in _behind(factory, "late")


def test_open_and_overdue_now(factory, week):
    found = _report(factory)
    assert (found.open_now, found.overdue_now) == (4, 3)  # C D E I open; C D I overdue
    assert _behind(factory, "overdue_now") == {week[k] for k in "CDI"}


def test_time_to_result_is_a_median_and_90th_percentile_of_results_published_in_the_week(factory, week):
    found = _report(factory)
    # published: A 10 h, C 20 h, B 28 h, H 30 h
    assert found.published == 4
    assert (found.time_to_result.n, found.time_to_result.median) == (4, 24)
    assert found.time_to_result.p90 == pytest.approx(29.4)
    assert found.time_to_result.small  # fewer than 5 values
    level_1 = found.time_to_result_by_level[1]  # 10, 28, 30
    assert (level_1.median, level_1.p90) == (28, pytest.approx(29.6))
    assert found.time_to_result_by_level[2].median == 20
    assert found.time_to_result_by_level[3].n == 0


def test_screening_time_from_receipt_to_the_screen_task(factory, week):
    screening = _report(factory).screening  # 1, 3, 0.5, 2, 1, 5, 1 (A B C D E G I)
    assert (screening.n, screening.median) == (7, 1)
    assert screening.p90 == pytest.approx(3.8)
    assert _behind(factory, "screened") == {week[k] for k in "ABCDEGI"}


def test_agencies_acknowledgement_and_contribution_times_from_the_start_of_handling(factory, week):
    found = {a.agency: a for a in _report(factory).agencies}
    assert set(found) == {"police", "market-mgmt"}
    assert (found["police"].acknowledgement.median, found["police"].contribution.median) == (2, 18)
    assert (found["market-mgmt"].acknowledgement.median, found["market-mgmt"].contribution.n) == (5, 0)
    assert _behind(factory, "acknowledged", ReportFilter(agency="market-mgmt")) == {week["I"]}


def test_disputes_reopen_rate_and_ratings(factory, week):
    found = _report(factory)
    assert (found.disputed, found.reopened, found.reopen_rate) == (1, 1, 0.25)
    assert found.ratings.n == 2 and found.ratings.counts == {1: 1, 2: 0, 3: 0, 4: 0, 5: 1}
    assert (found.ratings.not_resolved, found.ratings.mean) == (1, 3.0)
    assert _behind(factory, "rated", ReportFilter(rating=1)) == {week["C"]}
    assert _behind(factory, "disputed") == _behind(factory, "reopened") == {week["C"]}


def test_filters_narrow_every_figure(factory, week):
    level_1 = _report(factory, ReportFilter(level=1))
    assert level_1.received == 3 and level_1.published == 3 and level_1.disputed == 0
    tan_dinh = _report(factory, ReportFilter(ward="ward-tan-dinh"))
    assert tan_dinh.received == 2 and tan_dinh.open_now == 2 and tan_dinh.ratings.n == 1
    inspectorate = _report(factory, ReportFilter(unit="inspectorate"))
    assert inspectorate.received == 3 and inspectorate.overdue_now == 3
    assert _behind(factory, "received", ReportFilter(category="service_prices")) == {week["B"]}


def test_the_week_before_has_its_own_figures(factory, week):
    before = _report(factory, period=parse_period("2026-W47"))
    assert before.received == 1 and before.published == 0 and before.deadlines[0].late == 0
    quarter = _report(factory, period=parse_period("2026-Q4"))
    assert quarter.received == 8 and quarter.published == 4


def test_reports_are_for_leadership_intake_and_inspectors(factory):
    ward = Actor("ward", frozenset({"handling_unit"}), "ward-ben-thanh")
    with pytest.raises(PermissionDenied):
        _report(factory, actor=ward)
    with pytest.raises(ValidationError):
        _report(factory, ReportFilter(level=7))
    with transaction(factory) as session, pytest.raises(ValidationError):
        reports.cases_behind(session, LEADER, "everything", WEEK)
