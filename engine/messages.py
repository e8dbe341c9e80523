"""What the engine tells people, as codes with parameters: one code, one English text (also the message id of the
web layer's catalog), translated where it is shown (`webui.i18n.translate`). The engine never picks a language.

`t("required")` is a `Text`: a str whose value is the English text (for the CLI, logs and JSON), which also
carries its code and parameters so that a page shows it in the page's language."""
from __future__ import annotations

from typing import Any


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
    # --- studio: problems of a draft (engine.validation, engine.table_checks)
    "v_no_diagram": _l("no diagram in the bundle"),
    "v_too_deep": _l("the XML is nested deeper than %(limit)s levels"),
    "v_no_process": _l("no process with id %(process)s in the diagrams"),
    "v_not_bpmn": _l("not valid BPMN: %(detail)s"),
    "v_no_start": _l("the process has no start event"),
    "v_unsupported": _l("the engine does not support <%(tag)s>"),
    "v_no_layout": _l("the file has no diagram interchange (layout); save it from a BPMN modeler"),
    "v_no_shape": _l("the element has no shape in the diagram layout"),
    "v_lane_role": _l("lane “%(lane)s” is not a role (use one of: %(known)s)"),
    "v_no_form": _l("the user task has no form (property formJsonSchemaFilename)"),
    "v_form_missing": _l("the form %(form)s does not exist"),
    "v_rule_no_table": _l("the business rule task names no decision table (spiffworkflow:calledDecisionId)"),
    "v_rule_table_missing": _l("the business rule task calls decision table “%(table)s”, which is not in the "
                               "bundle (known: %(known)s)"),
    "v_condition": _l("condition: %(detail)s"),
    "v_script": _l("script: %(detail)s"),
    "v_unknown_name": _l("“%(name)s” is not a variable of this process: no form field, script, decision table or "
                         "data item sets it"),
    "v_unknown_name_hint": _l("“%(name)s” is not a variable of this process: no form field, script, decision table "
                              "or data item sets it (did you mean “%(hint)s”?)"),
    "v_require_args": _l("line %(line)s: require takes a condition, a field name and a message code"),
    "v_require_code": _l("line %(line)s: require: unknown message code “%(code)s” (known: %(known)s)"),
    "v_notify_role": _l("line %(line)s: notify: “%(role)s” is not a role (use one of: %(known)s)"),
    "v_literal_choice": _l("line %(line)s: %(function)s: “%(value)s” is not one of %(known)s"),
    "v_notify_agency": _l("line %(line)s: notify: a notification to an agency coordinator must name the agency "
                          "(unit)"),
    "v_timer_empty": _l("the timer has no %(kind)s expression"),
    "v_timer_quote": _l("timer %(text)s must be quoted for the engine: \"%(text)s\""),
    "v_timer": _l("timer: %(detail)s"),
    "d_file_name": _l("a decision table file is a plain file name ending in .dmn"),
    "d_not_dmn": _l("not a DMN decision table file (DMN 1.3 <definitions>)"),
    "d_one_decision": _l("a decision table file holds exactly one decision"),
    "d_one_table": _l("the decision has no decision table (or more than one)"),
    "d_hit_policy": _l("hit policy %(policy)s is not supported (use %(known)s)"),
    "d_input_empty": _l("input “%(label)s” has no expression"),
    "d_input": _l("input “%(label)s”: %(detail)s"),
    "d_input_type": _l("input “%(label)s”: unknown type %(kind)s (use %(known)s)"),
    "d_output_name": _l("output “%(label)s” needs a variable name (letters, digits, _)"),
    "d_output_type": _l("output “%(label)s”: unknown type %(kind)s (use %(known)s)"),
    "d_rule_cells": _l("rule %(rule)s has %(inputs)s input and %(outputs)s output cells; the table has "
                       "%(table_inputs)s and %(table_outputs)s"),
    "d_input_cell": _l("rule %(rule)s, input cell “%(cell)s”: %(detail)s"),
    "d_output_empty": _l("rule %(rule)s has an empty output cell"),
    "d_output_cell": _l("rule %(rule)s, output cell “%(cell)s”: %(detail)s"),
    "d_level": _l("level %(level)s: %(detail)s"),
    "d_level_uncovered": _l("level %(level)s is not covered: no rule matches it"),
    "d_level_unique": _l("level %(level)s matches rules %(rules)s; with hit policy UNIQUE only one may match"),
    "d_output_kind": _l("rule %(rule)s: %(name)s for level %(level)s is %(value)s, not of type %(kind)s"),
    "d_deadline": _l("rule %(rule)s: the deadline for level %(level)s is %(hours)s hours; it must be between "
                     "%(low)s and %(high)s"),
    "d_reminder": _l("rule %(rule)s: the reminder for level %(level)s is %(reminder)s hours before the deadline; "
                     "it must be more than 0 and less than the deadline (%(hours)s hours)"),
    # --- timers (engine.timer_bounds)
    "tm_unknown_kind": _l("unknown kind of timer %(kind)s"),
    "tm_not_text": _l("the timer's value must be ISO-8601 text, not %(kind)s"),
    "tm_too_long": _l("the timer's value is too long (%(size)s characters, at most %(limit)s)"),
    "tm_bad_duration": _l("timer “%(text)s” is not a valid ISO-8601 duration (e.g. PT24H or P7D; whole numbers, "
                          "not negative)"),
    "tm_longer": _l("timer “%(text)s” is longer than 1 year"),
    "tm_shorter": _l("timer “%(text)s” is shorter than 1 minute"),
    "tm_bad_cycle": _l("timer “%(text)s” is not a valid ISO-8601 cycle (e.g. R3/PT1H)"),
    "tm_endless": _l("timer “%(text)s” repeats without end: give a repeat count (at most %(limit)s), e.g. R3/PT1H"),
    "tm_repeats": _l("timer “%(text)s” repeats %(count)s times (from 1 to %(limit)s allowed)"),
    "tm_bad_cycle_parts": _l("timer “%(text)s” is not a valid ISO-8601 cycle (e.g. R3/PT1H or R3/<start>/PT1H)"),
    "tm_too_often": _l("timer “%(text)s” repeats more often than every 5 minutes"),
    "tm_bad_date_example": _l("timer “%(text)s” is not a valid ISO-8601 date-time (e.g. 2026-12-01T08:00:00+07:00)"),
    "tm_bad_date": _l("timer “%(text)s” is not a valid ISO-8601 date-time"),
    "tm_far": _l("timer “%(text)s” is more than 5 years from now"),
    # --- budgets of diagram code (engine.budget)
    "b_too_large_all": _l("result too large (more than %(limit)s characters and elements in all)"),
    "b_number": _l("number too large (more than %(limit)s)"),
    "b_steps": _l("too many steps (more than %(limit)s)"),
    "b_time": _l("took too long (more than %(limit)s s)"),
    "b_instances": _l("a multi-instance task's cardinality must be a whole number from 0 to %(limit)s, not %(value)s"),
    "v_cardinality": _l("loop cardinality: %(detail)s"),
    "b_loop": _l("a loop ran too long (more than %(limit)s tasks in one step or %(depth)s in one path)"),
    "b_too_large": _l("result too large (more than %(limit)s characters and elements)"),
    "b_built": _l("the evaluation built too much (more than %(limit)s characters and elements in all)"),
    # --- the restricted evaluator's refusals and run-time errors (engine.expressions, engine.expression_errors)
    "e_at_line": _l("line %(line)s: %(detail)s"),
    "e_not_text_expression": _l("the expression must be text"),
    "e_not_text_script": _l("the script must be text"),
    "e_too_long_expression": _l("the expression is too long (%(size)s characters, at most %(limit)s)"),
    "e_too_long_script": _l("the script is too long (%(size)s characters, at most %(limit)s)"),
    "e_too_deep_expression": _l("the expression is nested too deeply (at most %(limit)s levels)"),
    "e_too_deep_script": _l("the script is nested too deeply (at most %(limit)s levels)"),
    "e_unparsable_expression": _l("the expression could not be parsed (too deeply nested?)"),
    "e_unparsable_script": _l("the script could not be parsed (too deeply nested?)"),
    "e_syntax": _l("line %(line)s: syntax error: %(detail)s"),
    "e_syntax_at": _l("line %(line)s: syntax error at column %(column)s: %(detail)s"),
    "e_too_complex": _l("the expression is too complex (%(count)s parts, at most %(limit)s)"),
    "e_attribute": _l("attribute access is not allowed"),
    "e_lambda": _l("lambda is not allowed"),
    "e_comprehension": _l("comprehensions are not allowed"),
    "e_generator": _l("generator expressions are not allowed"),
    "e_walrus": _l("':=' is not allowed"),
    "e_f_string": _l("f-strings are not allowed"),
    "e_star": _l("'*' unpacking is not allowed"),
    "e_double_star": _l("'**' unpacking is not allowed"),
    "e_node": _l("'%(kind)s' expressions are not allowed"),
    "e_constant": _l("constants of type '%(kind)s' are not allowed"),
    "e_underscore": _l("names starting with '_' are not allowed ('%(name)s')"),
    "e_operator": _l("operator '%(op)s' is not allowed"),
    "e_call_by_name": _l("only functions called by their name are allowed"),
    "e_function": _l("function '%(name)s' is not allowed"),
    "e_too_many_statements": _l("the script has too many statements (at most %(limit)s)"),
    "e_assign_target": _l("only assignments to a single plain name are allowed ('x = ...')"),
    "e_assign_function": _l("'%(name)s' is a function and cannot be assigned to"),
    "e_bare_expression": _l("only function calls may stand alone as statements"),
    "e_for": _l("'for' loops are not allowed"),
    "e_while": _l("'while' loops are not allowed"),
    "e_aug_assign": _l("augmented assignments (like '+=') are not allowed"),
    "e_ann_assign": _l("annotated assignments are not allowed"),
    "e_keyword": _l("'%(keyword)s' statements are not allowed"),
    "e_undefined": _l("name '%(name)s' is not defined"),
    "e_not_indexable": _l("'%(kind)s' values cannot be indexed"),
    "e_key_missing": _l("key %(key)s not found"),
    "e_percent": _l("string formatting with '%(sign)s' is not allowed"),
    "e_service_task": _l("service tasks are not supported"),
    "b_memory": _l("the evaluation ran out of memory or stack"),
    # Python's parser (SyntaxError.msg): CPython's English; "%(message)s" is any other text, a detail only
    # English pages show
    "sx_invalid": _l("invalid syntax"),
    "sx_comma": _l("invalid syntax. Perhaps you forgot a comma?"),
    "sx_equals": _l("invalid syntax. Maybe you meant '==' or ':=' instead of '='?"),
    "sx_never_closed": _l("'%(bracket)s' was never closed"),
    "sx_unmatched": _l("unmatched '%(bracket)s'"),
    "sx_mismatch": _l("closing parenthesis '%(close)s' does not match opening parenthesis '%(open)s'"),
    "sx_string": _l("unterminated string literal (detected at line %(line)s)"),
    "sx_triple": _l("unterminated triple-quoted string literal (detected at line %(line)s)"),
    "sx_string_end": _l("unterminated string literal"),
    "sx_eof": _l("unexpected EOF while parsing"),
    "sx_colon": _l("expected ':'"),
    "sx_indent": _l("unexpected indent"),
    "sx_block_after": _l("expected an indented block after '%(keyword)s' statement on line %(line)s"),
    "sx_block": _l("expected an indented block"),
    "sx_unindent": _l("unindent does not match any outer indentation level"),
    "sx_continuation": _l("unexpected character after line continuation character"),
    "sx_character": _l("invalid character '%(char)s' (U+%(code)s)"),
    "sx_non_printable": _l("invalid non-printable character U+%(code)s"),
    "sx_decimal": _l("invalid decimal literal"),
    "sx_leading_zeros": _l("leading zeros in decimal integer literals are not permitted"),
    "sx_assign": _l("cannot assign to %(what)s"),
    "sx_other": _l("%(message)s"),
    # run-time errors of operators (CPython's English); "%(detail)s" is any other text, shown only in English
    "rt_division": _l("division by zero"),
    "rt_operand": _l("unsupported operand type(s) for %(op)s: '%(left)s' and '%(right)s'"),
    "rt_compare": _l("'%(op)s' not supported between instances of '%(left)s' and '%(right)s'"),
    "rt_concat": _l("can only concatenate %(kind)s (not \"%(other)s\") to %(kind)s"),
    "rt_unary": _l("bad operand type for unary %(op)s: '%(kind)s'"),
    "rt_unhashable": _l("unhashable type: '%(kind)s'"),
    "rt_multiply": _l("can't multiply sequence by non-int of type '%(kind)s'"),
    "rt_index": _l("%(kind)s index out of range"),
    "rt_failed": _l("%(detail)s"),
    # the reviewed functions (engine/functions.py) refusing their arguments
    "f_timestamp_format": _l("not an ISO-8601 date-time: %(value)s"),
    "f_timestamp_type": _l("not a date-time: %(value)s"),
    "f_number": _l("%(what)s must be a number, not %(value)s"),
    "f_choice": _l("%(what)s must be one of %(allowed)s; got %(value)s"),
    "f_collection": _l("%(what)s must be a list or a dict, not %(kind)s"),
    "f_too_many": _l("%(what)s has more than %(limit)s items"),
    "f_unit_code": _l("unit must be a unit code, not %(value)s"),
    "f_flag": _l("any_flagged: the flag must be a field name"),
    "f_notify_kind": _l("notification kind must be a non-empty string"),
    "f_notify_agency": _l("a notification to an agency coordinator must name the agency (unit)"),
    "f_require_field": _l("require: the field must be a field name"),
    "f_require_code": _l("require: unknown message %(code)s (known: %(known)s)"),
    "x_parse": _l("%(error)s; %(detail)s"),  # XML, the diagram parser, the start run
    "v_engine_refused": _l("the engine cannot read the process: %(detail)s"),
    "v_start_fails": _l("a new case or briefing cannot start: on sample data the process stops here: %(detail)s"),
    "v_start_engine": _l("the engine stopped: %(detail)s"),
    "incident_reason": _l("%(error)s: %(detail)s"),
    "f_schema": _l("not valid JSON Schema at %(path)s: %(detail)s"),
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
