"""Human-readable names for codes shown on staff pages (the catalogs translate them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

CATEGORIES = {
    "cosmetic_surgery": _l("Cosmetic surgery and injections"),
    "cosmetic_advertising": _l("Advertising of cosmetic or dental services"),
    "unlicensed_clinic": _l("Clinic without licence or while suspended"),
    "unlicensed_pharmacy": _l("Pharmacy or functional-food shop without licence"),
    "service_prices": _l("Service prices"),
    "practising_certificate": _l("Practising certificate"),
    "staff_conduct": _l("Staff conduct"),
    "other": _l("Other"),
}

STATUSES = {
    "received": lazy_pgettext("case status", "Received"),
    "in_handling": _l("Being handled"),
    "result_published": _l("Result published"),
    "disputed": _l("Disputed by the citizen"),
    "closed": _l("Closed"),
    "not_accepted": _l("Not accepted"),
}

ROLES = {
    "intake": _l("Rapid-response team (intake)"),
    "handling_unit": _l("Handling unit"),
    "coordinator": _l("Agency coordinator"),
    "inspector": _l("Inspector"),
    "leadership": _l("Leadership"),
    "citizen": _l("Citizen"),
    "process_owner": _l("Process owner"),
    "admin": _l("Administrator"),
    "supervisor": _l("Supervisor"),
}

EVENTS = {
    "received": _l("Report received"),
    "task_claimed": _l("claimed the task"),
    "task_released": _l("released the task"),
    "task_assigned": _l("assigned the task"),
    "task_completed": _l("completed"),
    "status_changed": _l("Status changed"),
    "escalated": _l("Deadline passed: escalated to leadership"),
    "notified": _l("Notification sent"),
    "reassigned": _l("Handling unit changed"),
    "result_published": _l("Result published to the citizen"),
    "closed": _l("Case closed"),
    "timer_fired": _l("Deadline timer fired"),
    "incident": _l("Timer processing keeps failing (incident)"),
    "note_added": _l("added an internal note"),
    "incident_retried": _l("Retry of the failing timers requested"),
    "case_suspended": _l("Case suspended by an administrator"),
    "case_resumed": _l("Case resumed by an administrator"),
    "case_cancelled": _l("Case cancelled by an administrator"),
}

NOTIFICATIONS = {
    "assignment": _l("New task"),
    "reminder": _l("Deadline approaching"),
    "escalation": _l("Deadline passed — escalated"),
    "ack_overdue": _l("An agency has not acknowledged in time"),
    "contribution_overdue": _l("An agency's findings are late"),
    "dispute_overdue": _l("A dispute review is late"),
    "briefing_review": _l("A briefing report is ready for your review"),
}

PUBLIC_STEPS = {
    "received": _l("Report received"),
    "classified": _l("Verified and classified"),
    "in_handling": _l("Being handled"),
    "result_published": _l("Result published"),
    "disputed": _l("You said the problem was not resolved: under review"),
    "closed": _l("Closed"),
}

# Kinds of audit log entries recorded outside the studio (the studio's own are webui.studio.AUDIT_KINDS).
AUDIT_KINDS = {
    "reporter_viewed": _l("Reporter contact viewed"),
    "contact_erased": _l("Reporter contact erased (retention period over)"),
    "signin": _l("Signed in"),
    "signin_failed": _l("Sign-in failed"),
    "signin_locked": _l("Sign-in locked after repeated failures"),
    "case_suspended": _l("Case suspended"),
    "case_resumed": _l("Case resumed"),
    "case_cancelled": _l("Case cancelled"),
    "unit_renamed": _l("Unit renamed"),
    "unit_updated": _l("Unit changed"),
    "unit_deactivated": _l("Unit deactivated"),
    "unit_merged": _l("Unit merged into another"),
    "cases_exported": _l("Case list exported"),
}

# Kinds of units (Unit.kind), and the official types of commune-level units (Unit.division).
UNIT_KINDS = {
    "ward": _l("Ward or commune (People's Committee)"),
    "inspectorate": _l("Inspectorate"),
    "agency": _l("Partner agency"),
    "department": _l("Department office"),
}
DIVISIONS = {"ward": _l("Ward"), "commune": _l("Commune"), "special_zone": _l("Special zone")}


def label(table: dict, code: str | None) -> str:
    if code is None:
        return ""
    return str(table.get(code, code))
