"""The folded search text of each case (`engine.search_text`), kept in a narrow table of its own.

A search scans this table, not the cases table, whose rows carry the large workflow document. The row is
written whenever a case is inserted or its code or report change (mapper events below, so every writer — the
citizen channel, the API, the demo loader — keeps it current without calling anything); bulk loaders that
insert cases with Core statements fill it themselves (`bench/bulk.py`). On PostgreSQL, migration
20261129_0012 adds a trigram index (pg_trgm) when the extension is available, so `LIKE '%word%'` uses an index.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Text, event, insert, inspect, update
from sqlalchemy.orm import Mapped, mapped_column

from . import search_text
from .db import Base
from .models import Case

TRIGRAM_INDEX = "ix_case_search_texts_body_trgm"  # PostgreSQL only, made by the migration (not in the models)


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
