"""Web fixtures: the Flask app on the real test databases, the test organisation's users (tests/factories.py)
with the password "demo", a client that signs in as any of them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from engine import studio, versions
from engine.accounts import hash_password
from engine.db import transaction
from engine.models import User
from webui.app import create_app

_DEMO_HASH: list[str] = []


def demo_hash() -> str:
    if not _DEMO_HASH:
        _DEMO_HASH.append(hash_password("demo"))
    return _DEMO_HASH[0]


@pytest.fixture
def app(factory, clock, tmp_path, app_config):
    with transaction(factory) as session:
        session.execute(update(User).values(password_hash=demo_hash()))
    app = create_app(app_config(DB_ENGINE=factory.kw["bind"], TESTING=True, WTF_CSRF_ENABLED=False,
                                SECRET_KEY="test", ATTACHMENTS_DIR=str(tmp_path / "attachments")))
    app.extensions["rr_sessions"] = factory
    return app


class Browser:
    """A test client that signs in as a user of the test organisation."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def sign_in(self, username: str, password: str = "demo"):  # noqa: S107 - the demo password
        return self.client.post("/login", data={"username": username, "password": password})

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.client.post(url, **kwargs)


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def as_user(app):
    def make(username: str, password: str = "demo") -> Browser:  # noqa: S107 - the demo password
        b = Browser(app)
        response = b.sign_in(username, password)
        assert response.status_code == 302, f"{username} could not sign in"
        return b
    return make


def user_id(factory, username: str) -> int:
    with transaction(factory) as session:
        return session.scalar(select(User.id).where(User.username == username))


def text_of(response) -> str:
    """The page's visible text, roughly (tags removed, whitespace collapsed)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def draft_id(factory) -> int:
    """A draft of the active version, made through the engine (the studio's page tests)."""
    with transaction(factory) as session:
        return studio.new_draft(session, "owner", versions.active_version(session)).id
