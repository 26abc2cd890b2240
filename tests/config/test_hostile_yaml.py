"""Hostile and broken YAML: one located line each, in well under a second, never a traceback.

The corpus lives in ``tests/config/corpus/`` (one file per case); deep nesting is generated,
since 5,000 brackets say nothing to a reader.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from orchestra.config import load_config
from orchestra.config.yaml_source import MAX_BYTES
from orchestra.errors import ConfigError

CORPUS = Path(__file__).parent / "corpus"

CASES = {
    "billion_laughs.yaml": ("the config expands to more than 100,000 values", 2),
    "billion_laughs_under_unknown_key.yaml": ("the config expands to more than 100,000 values", 4),
    "recursive_alias.yaml": ("nested deeper than 64 levels (a recursive alias?)", 3),
    "unknown_tag.yaml": ("x: unknown YAML tag '!custom'", 3),
    "python_object_tag.yaml": ("unknown YAML tag 'tag:yaml.org,2002:python/object:os.system'", 3),
    "not_utf8.yaml": ("not UTF-8 text: byte 0xff cannot be read", 4),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file_gets_one_located_line_quickly(name: str) -> None:
    expected, line = CASES[name]
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_config(CORPUS / name)
    assert time.monotonic() - started < 1.0
    message = str(caught.value)
    assert expected in message
    assert message.endswith(f"({CORPUS / name}:{line})")
    assert "\n" not in message


def test_deep_nesting_is_refused_where_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("version: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n")
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert time.monotonic() - started < 1.0
    assert "nested deeper than 64 levels" in str(caught.value)
    assert str(caught.value).endswith(":2)")


def test_what_a_file_writes_is_bounded_while_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text("version: 1\nx:\n" + "  - 1\n" * 150_000)
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert time.monotonic() - started < 1.0
    assert "the config writes more than 20,000 values" in str(caught.value)


def test_moderate_nesting_past_the_limit_is_located(tmp_path: Path) -> None:
    path = tmp_path / "nested.yaml"
    path.write_text("version: 1\nx: " + "[" * 70 + "]" * 70 + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "nested deeper than 64 levels" in str(caught.value)
    assert str(caught.value).endswith(":2)")


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("version: 1\n" + "# padding\n" * (MAX_BYTES // 10 + 1))
    with pytest.raises(ConfigError, match="a config may hold 1,048,576"):
        load_config(path)


def test_a_directory_is_not_a_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="this is a directory, not a config file"):
        load_config(tmp_path)
