"""Links on pages are built once per process (webui/links.py) and are always the URL Flask would build."""
from __future__ import annotations

import pytest
from flask import render_template_string, url_for

LINKS = ("{{ url_for('inbox.index') }} {{ url_for('static', filename='app.css') }} "
         "{{ url_for('cases.show', case_id=7) }} {{ url_for('.index') }}")


def links_at(app, path: str, **environ) -> str:
    with app.test_request_context(path, **environ):
        return render_template_string(LINKS)


def test_a_pages_links_are_flasks_own(app):
    with app.test_request_context("/cases/"):
        expected = " ".join([url_for("inbox.index"), url_for("static", filename="app.css"),
                             url_for("cases.show", case_id=7), url_for("cases.index")])
    assert links_at(app, "/cases/") == expected
    assert links_at(app, "/cases/") == expected  # the second time from what the first one built


def test_a_relative_endpoint_is_the_one_of_the_pages_own_section(app):
    assert links_at(app, "/cases/").endswith(" /cases/")
    assert links_at(app, "/inbox/").endswith(" /inbox/")


def test_the_same_app_behind_a_path_prefix_links_under_that_prefix(app):
    plain = links_at(app, "/inbox/")
    prefixed = links_at(app, "/inbox/", base_url="http://localhost/rr/")
    assert prefixed.split() == ["/rr" + link for link in plain.split()]
    assert links_at(app, "/inbox/") == plain


@pytest.mark.parametrize("template", [
    "{{ url_for('home', _external=True) }}",  # depends on the host asked for
    "{{ url_for('cases.index', overdue=True) }}",  # not text or a whole number
])
def test_other_links_are_built_each_time(app, template):
    with app.test_request_context("/", base_url="https://one.example"):
        first = render_template_string(template)
    with app.test_request_context("/", base_url="https://two.example"):
        second = render_template_string(template)
        assert second == render_template_string(template.replace("url_for", "url_for_flask"),
                                                url_for_flask=url_for)
    assert ("one.example" in first) == ("_external" in template)


def test_links_are_built_outside_a_request_too(app):
    app.config["SERVER_NAME"] = "rr.example"
    with app.app_context():
        assert app.jinja_env.globals["url_for"]("inbox.index") == "http://rr.example/inbox/"
