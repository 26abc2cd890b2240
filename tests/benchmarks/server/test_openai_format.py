"""Wire-format helpers: stop sequences and stream splitting."""

from __future__ import annotations

import pytest

from benchmarks.server.openai_format import apply_stop, split_for_stream


@pytest.mark.parametrize(
    ("stop", "expected"),
    [
        (None, ("a STOP b END c", False)),
        ("END", ("a STOP b ", True)),
        (["END", "STOP"], ("a ", True)),  # the earliest occurrence wins, not the first listed
        (["nope", ""], ("a STOP b END c", False)),
    ],
)
def test_apply_stop(stop: str | list[str] | None, expected: tuple[str, bool]) -> None:
    assert apply_stop("a STOP b END c", stop) == expected


def test_split_for_stream_reassembles() -> None:
    text = "Thought: let me  think.\nCode:\n```py\nprint('x' * 40)\n```" + "y" * 50
    pieces = list(split_for_stream(text))
    assert "".join(pieces) == text
    assert len(pieces) > 5
    assert all(len(p) <= 16 for p in pieces)
    assert list(split_for_stream("")) == []
