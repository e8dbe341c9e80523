"""What the engine tells people, as codes with parameters: one code, one English text (also the message id of the
web layer's catalog), translated where it is shown (`webui.i18n.translate`). The engine never picks a language.

`t("required")` is a `Text`: a str whose value is the English text (for the CLI, logs and JSON), which also
carries its code and parameters so that a page shows it in the page's language."""
from __future__ import annotations

from typing import Any

from .diagram_messages import DIAGRAM_MESSAGES


def _l(text: str) -> str:
    """Marks a text for the translation catalog (`babel.cfg` extracts this module); returns it unchanged."""
    return text


MESSAGES: dict[str, str] = {
    # --- form fields (forms.validate_form_data and the engine's own checks)
    "required": _l("Required"),
    "unknown_field": _l("This field is not allowed"),
    "wrong_type": _l("Wrong kind of value"),
    "invalid_value": _l("Not a valid value"),
    "not_allowed_value": _l("Not one of the allowed values"),
    "too_short": _l("Too short: at least %(limit)s characters"),
    "too_long": _l("Too long: at most %(limit)s characters"),
    "too_many_words": _l("At most %(limit)s words"),
    "period_reversed": _l("The end of the period comes before its start"),
    "too_few_items": _l("Choose at least %(limit)s"),
    "too_many_items": _l("At most %(limit)s items"),
    "duplicate_items": _l("Some items are repeated"),
    "at_least": _l("Must be at least %(limit)s"),
    "at_most": _l("Must be at most %(limit)s"),
    "greater_than": _l("Must be greater than %(limit)s"),
    "less_than": _l("Must be less than %(limit)s"),
    "bad_format": _l("Not in the expected format"),
    "not_integer": _l("Must be a whole number"),
    "not_number": _l("Must be a number"),
    "not_boolean": _l("Choose yes or no"),
    "not_date_time": _l("Not a valid date and time"),
    "not_date": _l("Not a valid date"),
    "not_email": _l("Not an e-mail address"),
    "no_such_user": _l("There is no such user"),
    "no_such_unit": _l("There is no such unit"),
    "unknown_language": _l("Choose Vietnamese or English"),
    "not_phone": _l("Not a phone number"),
    "unknown_ward": _l("There is no such ward or commune"),
    "observed_in_future": _l("The time you saw it cannot be later than now"),
    # --- rules of the diagram (functions.require)
    "ward_committee_for_level_1": _l("Level 1 goes to the People's Committee of the report's ward; another unit "
                                     "needs a reason"),
    "inspectorate_for_levels_2_3": _l("Levels 2 and 3 go to the Department Inspectorate"),
    "agency_for_level_3": _l("Level 3 needs at least one partner agency"),
    "not_active_agency": _l("Not an active partner agency"),
    "agency_already_invited": _l("This agency is already invited"),
    "agency_not_invited": _l("Choose only agencies invited to this case"),
    "inspection_time_window": _l("The inspection must be at least 24 hours ahead and within 60 days"),
    # --- whole requests
    "invalid_input": _l("Some fields are not valid"),
    "report_invalid": _l("The report is not valid"),
    "rules_refuse": _l("The procedure's rules refuse this input"),
    "case_missing": _l("Case %(case)s does not exist"),
    "case_code_missing": _l("No case has this tracking code"),
    "code_empty": _l("No case has this tracking code: no code given"),
    "code_lookalike": _l("No case has this tracking code: codes never contain 0, O, 1, I, L, 2, Z, 5, S, 8 or B"),
    "code_length": _l("No case has this tracking code: a code has 10 letters and digits, like ABCDE-FGHJK"),
    "code_characters": _l("No case has this tracking code: a code has only letters and digits, like ABCDE-FGHJK"),
    "case_changed": _l("The case has changed since you opened it; reload to see its current state"),
    "case_changed_concurrently": _l("Someone else changed this case at the same moment; reload and try again"),
    "system_busy": _l("The system is busy; please submit again"),
    "user_invalid": _l("The user could not be saved"),
    "username_format": _l("2–80 lowercase letters, digits, . _ -"),
    "roles_required": _l("Choose at least one known role"),
    "password_for_new_user": _l("Required for a new user"),
    "username_taken": _l("A user with this name exists already: open that user to change them"),
    "last_admin": _l("At least one active administrator must remain: give another user the administrator role "
                     "first"),
    "case_read_only": _l("This case is closed or your agency is no longer invited to it: it can be read but not "
                         "changed"),
    "case_other_unit": _l("This case belongs to another unit"),
    "case_suspended": _l("Case %(case)s is suspended by an administrator: %(reason)s"),
    "case_already_closed": _l("Case %(case)s is already closed"),
    "case_already_suspended": _l("Case %(case)s is already suspended"),
    "case_not_suspended": _l("Case %(case)s is not suspended"),
    "task_missing": _l("This task does not exist or is no longer open"),
    "task_done": _l("This task has already been completed or is no longer open"),
    "task_done_by_other": _l("This task was completed by someone else or the case moved on; nothing was saved. "
                             "Open the case to see its current state."),
    "task_other_unit": _l("This task belongs to another unit"),
    "task_not_yours": _l("This task is not in your unit or your roles"),
    "task_for_role": _l("This task is for another role"),
    "task_claimed_by": _l("This task is already claimed by %(user)s"),
    "task_release_not_yours": _l("Only the person who claimed this task can release it"),
    "task_user_cannot": _l("This person cannot do this task (not their role or unit)"),
    "reassign_supervisor_only": _l("Only a supervisor can reassign tasks"),
    "reporter_only": _l("Only the reporter of this case can answer it"),
    "not_an_object": _l("The form data must be an object"),
    "note_empty": _l("The note is empty"),
    "note_too_long": _l("The note is too long"),
    "reason_required": _l("A reason is required"),
    "reason_too_long": _l("The reason is too long"),
    "rating_not_waiting": _l("This case is not waiting for your rating (it may already be rated or closed)"),
    "photo_missing": _l("There is no such photo for this tracking code"),
    "attachment_missing": _l("This attachment does not exist"),
    "too_many_files": _l("At most %(limit)s files"),
    "file_type": _l("%(name)s: only JPEG/PNG/WebP photos or MP4/MOV/WebM videos"),
    "file_too_large": _l("%(name)s: larger than %(limit)s MB"),
    "image_too_large": _l("%(name)s: the image has too many pixels"),
    "image_broken": _l("%(name)s: not a readable image"),
    "file_unreadable": _l("A file arrived damaged (its name or its content could not be read); nothing was saved, "
                          "please choose it again"),
    "missing_case": _l("No case was given"),
    "search_invalid": _l("This case search is not valid"),
    "level_1_2_3": _l("Level 1, 2 or 3"),
    "no_case_list": _l("Your role has no case list"),
    "export_format": _l("CSV or XLSX"),
    "document_missing": _l("This document does not exist"),
    "not_a_photo": _l("This attachment is a video, not a photo"),
    "reports_roles_only": _l("Reports are for leadership, intake and inspectors"),
    "rating_1_5": _l("A rating from 1 to 5"),
    "filter_text": _l("At most 60 printable characters"),
    "unknown_figure": _l("Not a figure of the reports"),
    "period_format": _l("A quarter like 2026-Q4 or an ISO week like 2026-W48, years 2000–2099"),
    "reviews_leadership_only": _l("Report reviews are for leadership"),
    "review_done": _l("This report was already reviewed; reload to see it"),
    "review_changed": _l("This report changed since you opened it; reload to see it"),
    # --- diagrams
    "xml_not_well_formed": _l("%(file)s: not well-formed XML"),
    "xml_broken_at": _l("Line %(line)s, column %(column)s: the XML is broken here"),
    # --- studio, versions and limits
    "admins_only": _l("Only administrators manage accounts"),
    "owners_only": _l("Only process owners use the studio"),
    "retention_invalid": _l("The contact retention period is not valid"),
    "days_between": _l("A whole number of days from 1 to %(limit)s"),
    "client_exists": _l("An application named %(name)s exists already"),
    "token_unknown": _l("Unknown token"),
    "process_missing": _l("There is no process %(process)s"),
    "version_missing": _l("Process version %(version)s does not exist"),
    "draft_missing": _l("Draft %(draft)s does not exist"),
    "draft_deployed": _l("Draft %(draft)s was deployed as version %(number)s and is read-only; "
              "start a new draft from version %(number)s"),
    "not_utf8": _l("%(file)s: not UTF-8 text"),
    "bad_file_name": _l("Not a plain file name"),
    "bad_dmn_name": _l("A plain file name ending in .dmn"),
    "not_dmn": _l("%(file)s: not a DMN decision table file"),
    "bad_form_name": _l("Only lower-case letters, digits and _"),
    "form_not_object": _l("A form is a JSON Schema of type object"),
    "form_too_deep": _l("The form is nested more than %(limit)s levels deep"),
    "form_not_finite": _l("A number in the form is not finite (NaN or Infinity)"),
    "not_json_schema": _l("Not a valid JSON Schema"),
    "draft_changed": _l("Draft %(draft)s changed after the deployment was confirmed; check the summary again"),
    "not_deployed": _l("The process has problems; nothing was deployed"),
    "diagram_too_large": _l("%(file)s: the diagram is larger than %(limit)s KiB"),
    "no_doctype": _l("%(file)s: DOCTYPE and entity declarations are not allowed"),
    "files_not_read": _l("Some of the process files could not be read; nothing was checked or deployed"),
    "file_problem": _l("%(file)s: %(problem)s"),
    "file_not_regular": _l("not a regular file (a folder, a device or a pipe is not read)"),
    "file_not_readable": _l("cannot be read: %(reason)s"),
    "file_larger_than": _l("larger than %(limit)s KiB"),
    "json_broken_at": _l("not valid JSON: check line %(line)s, column %(column)s (%(detail)s)"),
    "json_invalid": _l("not valid JSON"),
    "migration_refused": _l("The database was not migrated: %(detail)s"),
    "no_active_version": _l("No active version of process %(process)s; run `rapid-response init-db`"),
    "form_not_in_version": _l("Form %(form)s is not part of process version %(number)s"),
    "over_limit": _l("The procedure went over a limit on diagrams"),
    "procedure_failed": _l("The procedure could not continue"),
    "process_not_valid": _l("Process %(process)s is not valid"),
    "scheduled_too_large": _l("The scheduled process document would be too large (%(size)s bytes, at most "
                              "%(limit)s)"),
    "case_too_large": _l("The case document would be too large (%(size)s bytes, at most %(limit)s)"),
    "nul_character": _l("Text with a NUL character cannot be stored or searched"),
    # --- units and users (administration)
    "no_province": _l("There is no province with code %(code)s"),
    "unit_missing": _l("There is no unit %(unit)s"),
    "unit_code_format": _l("2 to 40 lower-case letters, digits and hyphens, e.g. fire-police"),
    "unit_code_taken": _l("A unit with this code exists"),
    "name_length": _l("1 to %(limit)s characters"),
    "unit_invalid": _l("The unit is not valid"),
    "name_invalid": _l("The name is not valid"),
    "unit_merged": _l("Unit %(unit)s was merged into %(into)s"),
    "user_missing": _l("There is no user %(user)s"),
    "merge_into_itself": _l("A unit cannot be merged into itself"),
    "choose_another_unit": _l("Choose another unit"),
    "merge_other_kind": _l("Units of different kinds cannot be merged"),
    "choose_same_kind": _l("Choose a unit of the same kind"),
    "unit_inactive": _l("Unit %(unit)s is not active"),
    "unit_already_merged": _l("Unit %(unit)s was already merged into %(into)s"),
    "unit_not_offered": _l("“%(unit)s” is not one of the active units this field takes"),
    **DIAGRAM_MESSAGES,
}

# Parameters carrying a library's English text: shown in English only, their translations leave the placeholder out.
ENGLISH_ONLY = {"sx_other": "message", "rt_failed": "detail", "v_engine_refused": "detail", "v_not_bpmn": "detail",
                "sx_assign": "what", "f_schema": "detail", "v_start_engine": "detail"}


class Text(str):
    """A message code with its parameters: as a str the English text; `code` and `params` give the page's language."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Text:
        template = MESSAGES[code]
        text = super().__new__(cls, template % params if params else template)
        text.code, text.params = code, params
        return text

    def __reduce__(self):  # copies and pickles keep the code
        return (_rebuild, (self.code, self.params))


def _rebuild(code: str, params: dict[str, Any]) -> Text:
    return Text(code, **params)


def t(code: str, /, **params: Any) -> Text:
    """The message `code` with its parameters (see MESSAGES)."""
    return Text(code, **params)


def as_data(text: object) -> dict[str, Any] | None:
    """A message as JSON-ready data, to show later in the reader's language (`from_data`); None for plain text."""
    if not isinstance(text, Text):
        return None
    return {"code": text.code, "params": {name: as_data(value) or value for name, value in text.params.items()}}


def from_data(data: object) -> Text | None:
    """The message stored by `as_data` (None if it is not one, or names a code that no longer exists)."""
    if not (isinstance(data, dict) and data.get("code") in MESSAGES and isinstance(data.get("params"), dict)):
        return None
    params = {name: from_data(value) or value if isinstance(value, dict) else value
              for name, value in data["params"].items()}
    try:
        MESSAGES[data["code"]] % params  # every parameter the text needs (Text itself skips formatting without any)
        return Text(data["code"], **params)
    except (KeyError, TypeError, ValueError):  # stored with parameters the code no longer has
        return None
