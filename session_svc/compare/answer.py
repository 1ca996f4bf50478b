"""The two things every comparison is made of: what was asked and what each side answered."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl


@dataclasses.dataclass(frozen=True)
class Answer:
    """One side's answer: status, content type and the exact body bytes."""

    status: int
    content_type: str | None
    body: bytes


@dataclasses.dataclass(frozen=True)
class Asked:
    """The request both sides answered. `route` is our route template (`/sessions/{session_id}`)."""

    route: str
    path: str
    query_string: str = ""

    def param(self, name: str) -> str | None:
        """The query parameter as validation reads it: the last value wins, blanks kept."""
        value = None
        for key, item in parse_qsl(self.query_string, keep_blank_values=True):
            if key == name:
                value = item
        return value
