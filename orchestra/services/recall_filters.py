"""Restrictions on what recall may return, applied inside the search (SQL) or to candidates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(kw_only=True)
class Filters:
    """Optional restrictions applied inside the search, not after it."""

    memory_types: list[str] | None = None
    project_id: str | None = None
    session_id: str | None = None

    def __bool__(self) -> bool:
        return bool(self.memory_types) or self.project_id is not None or self.session_id is not None

    def sql(self) -> tuple[str, list[Any]]:
        """`` AND ...`` conditions on the memories alias ``m``, and their values."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.memory_types:
            clauses.append(f"m.memory_type IN ({', '.join('?' * len(self.memory_types))})")
            params.extend(self.memory_types)
        if self.project_id is not None:
            clauses.append("m.project_id = ?")
            params.append(self.project_id)
        if self.session_id is not None:
            clauses.append("m.session_id = ?")
            params.append(self.session_id)
        return "".join(f" AND {c}" for c in clauses), params

    def accepts(self, memory_type: str, project_id: str | None, session_id: str | None) -> bool:
        """Whether one candidate passes."""
        return (
            (not self.memory_types or memory_type in self.memory_types)
            and (self.project_id is None or project_id == self.project_id)
            and (self.session_id is None or session_id == self.session_id)
        )
