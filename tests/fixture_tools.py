"""In-process tools for engine tests: real state, so tests can assert what tools changed."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from smolagents import Tool, tool

NOTES: list[str] = []
_LOCK = threading.Lock()


@tool
def remember(text: str) -> int:
    """Store a note in the test notebook.

    Args:
        text: the note to store.

    Returns:
        int: how many notes the notebook holds now.
    """
    with _LOCK:
        NOTES.append(text)
        return len(NOTES)


@tool
def count_words(text: str) -> int:
    """Count the words in a text.

    Args:
        text: the text to count.

    Returns:
        int: number of whitespace-separated words.
    """
    return len(text.split())


def provide_tools(context: object) -> Iterable[Tool]:
    """The test tools."""
    return [remember, count_words]
