"""Filler tools for the tools curve: plausible, typed, documented, and never called.

The tools curve asks what happens to prompts and overhead when an MCP server offers far more tools
than a layer needs. Fillers must look like real tools to the agents (a verb-object name, a
docstring with a summary and an ``Args`` section, two or three typed parameters), or the prompt
growth they cause would be unrealistically small. They are generated deterministically, so every
run offers the very same tools.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class FillerParam:
    """One parameter of a filler tool."""

    name: str
    """Python identifier."""
    kind: type
    """``str``, ``int``, ``float`` or ``bool``."""
    description: str
    """The docstring's ``Args`` line."""
    default: object = None
    """Default value, or None for a required parameter."""


@dataclass(frozen=True, kw_only=True)
class FillerSpec:
    """One filler tool: name, docstring and parameters."""

    name: str
    summary: str
    """First docstring line."""
    detail: str
    """Second docstring paragraph."""
    params: tuple[FillerParam, ...]

    @property
    def docstring(self) -> str:
        """Google-style docstring, the tool's description on the MCP server."""
        args = "\n".join(f"    {param.name}: {param.description}" for param in self.params)
        return f"{self.summary}\n\n{self.detail}\n\nArgs:\n{args}\n"


_OBJECTS: tuple[tuple[str, str, str], ...] = (
    # (name part, plural phrase, id parameter)
    ("calendar_events", "calendar events", "event_id"),
    ("email_threads", "email threads", "thread_id"),
    ("notes", "notes", "note_id"),
    ("documents", "shared documents", "document_id"),
    ("contacts", "contacts", "contact_id"),
    ("reminders", "reminders", "reminder_id"),
    ("bookmarks", "browser bookmarks", "bookmark_id"),
    ("photos", "photos in the library", "photo_id"),
    ("invoices", "invoices", "invoice_id"),
    ("tickets", "support tickets", "ticket_id"),
    ("playlists", "music playlists", "playlist_id"),
    ("recipes", "saved recipes", "recipe_id"),
)

_VERBS: tuple[tuple[str, str, str], ...] = (
    # (verb, summary template, detail)
    (
        "list",
        "List the user's {what}, newest first.",
        "Returns at most ``limit`` entries with their ids, titles and timestamps; archived entries are "
        "left out unless asked for.",
    ),
    (
        "search",
        "Search the user's {what} by keywords and return the best matches.",
        "Matches are ranked by relevance; entries scoring below ``min_score`` are dropped, so an empty "
        "list means nothing relevant was found.",
    ),
    (
        "summarize",
        "Summarize one of the user's {what} in a few sentences.",
        "The summary keeps names, dates and figures and drops greetings and boilerplate; it never "
        "exceeds ``max_words`` words.",
    ),
    (
        "archive",
        "Archive one of the user's {what} so it no longer shows in lists.",
        "Archiving is reversible; the entry stays searchable when archived entries are included.",
    ),
    (
        "tag",
        "Add a tag to one of the user's {what}.",
        "Tags are lower-case words; adding a tag the entry already has changes nothing.",
    ),
    (
        "export",
        "Export the user's {what} to a file in the given format.",
        "Returns the path of the written file; large exports are split into parts of ``max_items``.",
    ),
    (
        "count",
        "Count the user's {what} created within a number of days.",
        "Useful for trends: the count covers the last ``days`` days, optionally only unread entries.",
    ),
    (
        "share",
        "Share one of the user's {what} with a contact by email address.",
        "The recipient gets read access; ``can_edit`` grants edit access as well.",
    ),
    (
        "rename",
        "Rename one of the user's {what}.",
        "The new title must be non-empty; the old title stays in the entry's history.",
    ),
    (
        "flag",
        "Flag one of the user's {what} for follow-up by a given day.",
        "Flagged entries appear in the daily review until the flag is cleared or the day has passed.",
    ),
    (
        "restore",
        "Restore an archived entry among the user's {what}.",
        "Restoring puts the entry back in lists at its original position; nothing is lost.",
    ),
    (
        "translate",
        "Translate one of the user's {what} into another language.",
        "The translation is returned as text and not saved; ``formal`` selects a formal register.",
    ),
    (
        "compare",
        "Compare two of the user's {what} and describe how they differ.",
        "Differences are listed by field; ``ignore_whitespace`` skips changes that only move spaces.",
    ),
    (
        "duplicate",
        "Duplicate one of the user's {what} under a new title.",
        "The copy has a new id and no tags; the original is unchanged.",
    ),
    (
        "prioritize",
        "Set the priority of one of the user's {what}.",
        "Priority runs from 1 (highest) to 5 (lowest); lists sort by priority before date.",
    ),
)


def _params(verb: str, item: str, id_param: str) -> tuple[FillerParam, ...]:
    one = FillerParam(name=id_param, kind=str, description=f"id of the {item} entry to act on.")
    table: dict[str, tuple[FillerParam, ...]] = {
        "list": (
            FillerParam(name="limit", kind=int, description="how many entries to return (1-100)."),
            FillerParam(name="since", kind=str, description="ISO date; only entries from this day on."),
            FillerParam(
                name="include_archived", kind=bool, description="also list archived entries.", default=False
            ),
        ),
        "search": (
            FillerParam(name="query", kind=str, description="keywords to look for."),
            FillerParam(name="limit", kind=int, description="how many matches to return (1-50)."),
            FillerParam(
                name="min_score", kind=float, description="relevance cut-off from 0 to 1.", default=0.5
            ),
        ),
        "summarize": (
            one,
            FillerParam(name="max_words", kind=int, description="length limit of the summary in words."),
        ),
        "archive": (
            one,
            FillerParam(name="reason", kind=str, description="why it is archived, for the log."),
        ),
        "tag": (one, FillerParam(name="tag", kind=str, description="the tag to add, one lower-case word.")),
        "export": (
            FillerParam(name="file_format", kind=str, description='"csv", "json" or "pdf".'),
            FillerParam(name="max_items", kind=int, description="entries per exported file."),
        ),
        "count": (
            FillerParam(name="days", kind=int, description="how many days back to count."),
            FillerParam(
                name="unread_only", kind=bool, description="count only unread entries.", default=False
            ),
        ),
        "share": (
            one,
            FillerParam(name="email", kind=str, description="the recipient's email address."),
            FillerParam(name="can_edit", kind=bool, description="grant edit access too.", default=False),
        ),
        "rename": (one, FillerParam(name="title", kind=str, description="the new title.")),
        "flag": (one, FillerParam(name="due", kind=str, description="ISO date of the follow-up.")),
        "restore": (one, FillerParam(name="notify", kind=bool, description="tell collaborators it is back.")),
        "translate": (
            one,
            FillerParam(name="language", kind=str, description="target language, e.g. 'de' or 'fr'."),
            FillerParam(name="formal", kind=bool, description="use a formal register.", default=False),
        ),
        "compare": (
            one,
            FillerParam(name="other_id", kind=str, description=f"id of the {item} entry to compare with."),
            FillerParam(
                name="ignore_whitespace", kind=bool, description="skip whitespace-only changes.", default=True
            ),
        ),
        "duplicate": (one, FillerParam(name="title", kind=str, description="title of the copy.")),
        "prioritize": (
            one,
            FillerParam(name="priority", kind=int, description="1 (highest) to 5 (lowest)."),
            FillerParam(name="weight", kind=float, description="tie-breaker within a priority.", default=1.0),
        ),
    }
    return table[verb]


def filler_specs(count: int) -> list[FillerSpec]:
    """The first ``count`` filler tools, the same every run.

    Verbs and objects are interleaved so that any prefix mixes both, like a real server's catalogue.

    Args:
        count: How many (at most ``len(verbs) * len(objects)``, 180).

    Returns:
        The specs, names unique and distinct from orchestra's 37 service tools.

    Raises:
        ValueError: For a negative or too large count.
    """
    pairs = [(verb, obj) for offset in range(len(_VERBS)) for obj, verb in _diagonal(offset)]
    if not 0 <= count <= len(pairs):
        raise ValueError(f"between 0 and {len(pairs)} filler tools, not {count}")
    specs = []
    for (verb, summary, detail), (part, what, id_param) in pairs[:count]:
        name = f"{verb}_{part}"
        specs.append(
            FillerSpec(
                name=name,
                summary=summary.format(what=what),
                detail=detail,
                params=_params(verb, what, id_param),
            )
        )
    return specs


def _diagonal(offset: int) -> list[tuple[tuple[str, str, str], tuple[str, str, str]]]:
    """Pair every object with a verb, shifted by ``offset``: 12 distinct pairs per offset."""
    return [(obj, _VERBS[(index + offset) % len(_VERBS)]) for index, obj in enumerate(_OBJECTS)]
