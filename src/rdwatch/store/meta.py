"""Small facts about the database itself, such as which archive files were imported."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rdwatch.store.schema import MetaRow


def get_meta(session: Session, key: str) -> str | None:
    row = session.get(MetaRow, key)
    return row.value if row else None


def set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(MetaRow, key)
    if row is None:
        session.add(MetaRow(key=key, value=value))
    else:
        row.value = value
