"""The folded search text of each case (`engine.search_text`), kept in a narrow table of its own.

A search looks in this table, not the cases table, whose rows carry the large workflow document. The row is
written whenever a case is inserted or its code or report change (mapper events below, so every writer — the
citizen channel, the API, the demo loader — keeps it current without calling anything); bulk loaders that
insert cases with Core statements fill it themselves (`bench/bulk.py`). Migration 20261129_0012 adds a trigram
index: on PostgreSQL a pg_trgm GIN index (when the extension is available), which `LIKE '%word%'` uses; on
SQLite an FTS5 trigram table kept by triggers, searched with MATCH. Words shorter than three letters (no trigram)
and databases without the index are searched by scanning this narrow table.
"""
from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import (
    Boolean,
    Engine,
    ForeignKey,
    Select,
    Text,
    and_,
    column,
    event,
    insert,
    inspect,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from . import search_text
from .db import Base
from .models import Case

TRIGRAM_INDEX = "ix_case_search_texts_body_trgm"  # PostgreSQL only, made by the migration (not in the models)
FTS_TABLE = "case_search_fts"  # SQLite only, made by the migration (not in the models)
TRIGRAM = 3  # the shortest word a trigram index can find
_fts = table(FTS_TABLE, column("rowid"))
_has_fts: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


class CaseSearchText(Base):
    __tablename__ = "case_search_texts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")


def _body_of(case: Case) -> str:
    return search_text.body(case.code, case.report)


@event.listens_for(Case, "after_insert")
def _case_inserted(_mapper, connection, case: Case) -> None:
    connection.execute(insert(CaseSearchText).values(case_id=case.id, body=_body_of(case)))


@event.listens_for(Case, "after_update")
def _case_updated(_mapper, connection, case: Case) -> None:
    state = inspect(case)
    if not (state.attrs.report.history.has_changes() or state.attrs.code.history.has_changes()):
        return
    updated = connection.execute(update(CaseSearchText).where(CaseSearchText.case_id == case.id)
                                 .values(body=_body_of(case)))
    if updated.rowcount == 0:
        connection.execute(insert(CaseSearchText).values(case_id=case.id, body=_body_of(case)))


def full_text_index(session: Session) -> bool:
    """Whether this SQLite database has the FTS5 trigram table (checked once per engine)."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    if engine.dialect.name != "sqlite":
        return False
    if engine not in _has_fts:
        _has_fts[engine] = session.scalar(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                                          {"name": FTS_TABLE}) is not None
    return _has_fts[engine]


class has_word(FunctionElement):  # noqa: N801 - named like the SQL it stands for
    """SQL: the folded search text contains the word (letters and digits only: nothing to escape). PostgreSQL:
    LIKE '%word%', which the trigram index serves; SQLite: instr(), a plain byte search (faster than its
    case-folding LIKE; the text and the word are lower case already)."""

    type = Boolean()
    inherit_cache = True
    name = "has_word"


@compiles(has_word)
def _has_word_like(element, compiler, **kw) -> str:
    body, word = element.clauses.clauses
    return compiler.process(body.contains(word), **kw)


@compiles(has_word, "sqlite")
def _has_word_sqlite(element, compiler, **kw) -> str:
    body, word = (compiler.process(c, **kw) for c in element.clauses)
    return f"(instr({body}, {word}) > 0)"


def matching_case_ids(words: list[str], full_text: bool = False) -> Select:
    """SQL: the ids of the cases whose search text contains every one of `words` (folded already)."""
    if full_text and any(len(word) >= TRIGRAM for word in words):
        phrase = " AND ".join(f'"{word}"' for word in words if len(word) >= TRIGRAM)
        found = select(_fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(phrase))
        short = [word for word in words if len(word) < TRIGRAM]
        if not short:
            return found
        return select(CaseSearchText.case_id).where(CaseSearchText.case_id.in_(found),
                                                    *(has_word(CaseSearchText.body, word) for word in short))
    return select(CaseSearchText.case_id).where(and_(*(has_word(CaseSearchText.body, word) for word in words)))
