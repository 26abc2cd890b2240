"""The corpus of issue 13: every malformed, careless or hostile config gets one located line from ``validate``.

Each file in ``tests/config/corpus/`` opens with ``# expect: <part of the message>`` and, where the
error must name a key, ``# key: <dotted.key>``; a directory in the corpus (a config path that is a
directory) carries its header in a ``README``. ``orchestra validate`` runs in-process on each one,
as a user would run it: exit 2, exactly one line on stderr, ``orchestra: error:``, the file and its
line. ``tests/config/corpus_valid/`` holds minimal configs that must validate (an empty file is
the five default layers, not an error). ``benchmarks/config_corpus.py`` times the same corpus as
fresh processes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestra.cli import main

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
CORPUS_VALID = HERE / "corpus_valid"

FILE_ONLY = {"a_directory.yaml": "a directory has no lines"}
"""Entries whose error can name the file but no line, and why."""

UNSET = [f"ORCHESTRA_CORPUS_UNSET_{n}" for n in range(1, 10)]
"""Variables the corpus relies on being unset."""

def header(entry: Path) -> tuple[str, str | None]:
    """The ``# expect:`` text and the optional ``# key:`` of a corpus entry."""
    lines = (entry / "README" if entry.is_dir() else entry).read_bytes().split(b"\n")[:2]
    first = lines[0].decode("utf-8")
    assert first.startswith("# expect: "), f"{entry.name}: the first line must be '# expect: ...'"
    second = lines[1].decode("utf-8") if len(lines) > 1 else ""
    key = second.removeprefix("# key: ") if second.startswith("# key: ") else None
    return first.removeprefix("# expect: "), key


ENTRIES = sorted(CORPUS.iterdir())


def test_the_corpus_holds_at_least_a_hundred_configs() -> None:
    assert len(ENTRIES) >= 100


@pytest.fixture(autouse=True)
def _corpus_variables_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.name for entry in ENTRIES])
def test_validate_gives_one_located_line(entry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """How fast is measured by ``benchmarks/config_corpus.py``, not asserted here."""
    expected, key = header(entry)
    capsys.readouterr()
    code = main(["validate", str(entry)])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    message = err.removesuffix("\n")
    assert message.startswith("orchestra: error: "), message
    assert expected in message
    if key is not None:
        assert message.removeprefix("orchestra: error: ").startswith(key), message
    if entry.name in FILE_ONLY:
        assert message.endswith(f"({entry})"), message
    else:
        assert re.search(rf"\({re.escape(str(entry))}:\d+\)", message), message


VALID = sorted(CORPUS_VALID.iterdir())


@pytest.mark.parametrize("path", VALID, ids=[path.name for path in VALID])
def test_a_minimal_config_validates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith(f"{path}: ok")
