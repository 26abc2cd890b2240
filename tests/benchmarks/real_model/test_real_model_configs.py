"""Each side's config: the shipped file with exactly its knobs; the before side has no after-only key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchmarks.real_model.checkouts import HERE, Side
from benchmarks.real_model.configs import SHIPPED, apply_knobs, dotted_keys, parse_sets, side_config
from benchmarks.real_model.knobs import AFTER, AFTER_STRUCTURED, BEFORE, SHARED, side_knobs, without
from orchestra.config import config_from_dict

API_BASE = "http://127.0.0.1:9/v1"


def _shipped() -> dict:
    return yaml.safe_load((HERE / SHIPPED).read_text(encoding="utf-8"))


def _after_only() -> set[str]:
    """Keys the after side adds that neither the before side nor the shipped file has (new in issue 10)."""
    return set(AFTER) - set(BEFORE) - set(SHARED) - dotted_keys(_shipped())


class TestKnobs:
    """The knobs of each side, in one place."""

    def test_after_has_the_issue_knobs(self) -> None:
        """The after side sets the structured decision, one request at a time, no prefetch, 4 memory steps."""
        knobs = side_knobs("after")
        assert knobs["root.structured_decision"] is True
        assert knobs["models.default.structured_output"] == "json_object"
        assert knobs["models.default.max_concurrent"] == 1
        assert knobs["agents.prefetch_upstream"] is False
        assert knobs["agents.max_memory_steps"] == 4
        assert "models.default.params" not in knobs

    def test_before_has_only_the_documented_cure(self) -> None:
        """The before side flattens message content and sets none of the after side's keys."""
        knobs = side_knobs("before")
        assert knobs["models.default.params"] == {"flatten_messages_as_text": True}
        assert _after_only() >= {"root.structured_decision", "models.default.max_concurrent"}
        assert not _after_only() & set(knobs)

    def test_extras_win_and_unknown_sides_are_refused(self) -> None:
        """``--set`` extras override the side's knobs; a misspelt side is an error."""
        assert side_knobs("after", {"agents.max_memory_steps": 2})["agents.max_memory_steps"] == 2
        with pytest.raises(ValueError, match="unknown side"):
            side_knobs("middle")

    def test_without_drops_the_structured_knobs(self) -> None:
        """The after side without the structured knobs keeps the others."""
        rest = without(side_knobs("after"), AFTER_STRUCTURED)
        assert "root.structured_decision" not in rest
        assert rest["models.default.max_concurrent"] == 1

    def test_side_drops_optional_knobs_with_a_note(self) -> None:
        """A side whose checkout refuses its optional knobs runs without them and says why."""
        side = Side(name="after", checkout=HERE, knobs=side_knobs("after"), optional=dict(AFTER_STRUCTURED))
        side.drop_optional("validate said no")
        assert "root.structured_decision" not in side.knobs
        assert side.notes and "validate said no" in side.notes[0]


class TestConfigs:
    """Writing the side's config from its checkout's shipped file."""

    def test_before_config_keeps_the_shipped_hierarchy(self) -> None:
        """Layers, graph and tool sources are the shipped ones; the default profile points at the server."""
        shipped = _shipped()
        data = side_config(HERE, side_knobs("before"), api_base=API_BASE)
        assert data["layers"] == shipped["layers"]
        assert data["graph"] == shipped["graph"]
        assert data["tools"] == shipped["tools"]
        default = data["models"]["default"]
        assert default["api_base"] == API_BASE
        assert default["model"] == "openai/smollm2"
        assert default["api_key"] == "none"
        assert default["fallbacks"] == shipped["models"]["default"]["fallbacks"]

    def test_before_config_has_no_after_only_key(self) -> None:
        """No key only the after side sets appears anywhere in the before config."""
        data = side_config(HERE, side_knobs("before"), api_base=API_BASE)
        keys = dotted_keys(data)
        assert not {key for key in _after_only() if key in keys}
        assert "models.default.params.flatten_messages_as_text" in keys

    def test_before_config_validates(self) -> None:
        """The before config passes the schema (it uses only keys the old code had too)."""
        config = config_from_dict(side_config(HERE, side_knobs("before"), api_base=API_BASE))
        assert config.models["default"].api_base == API_BASE

    def test_after_config_contains_the_knobs(self) -> None:
        """Every after knob is set in the after config, at its value."""
        data = side_config(HERE, side_knobs("after"), api_base=API_BASE)
        assert data["root"]["structured_decision"] is True
        assert data["models"]["default"]["structured_output"] == "json_object"
        assert data["models"]["default"]["max_concurrent"] == 1
        assert data["agents"]["prefetch_upstream"] is False
        assert data["agents"]["max_memory_steps"] == 4
        assert data["heartbeat"]["deadline_s"] == SHARED["heartbeat.deadline_s"]

    def test_after_config_validates_without_the_structured_knobs(self) -> None:
        """The after config less the structured knobs passes the schema of this checkout."""
        knobs = without(side_knobs("after"), AFTER_STRUCTURED)
        config = config_from_dict(side_config(HERE, knobs, api_base=API_BASE))
        assert config.models["default"].max_concurrent == 1
        assert config.agents.max_memory_steps == 4

    def test_after_config_validates(self) -> None:
        """The whole after config, structured knobs included, passes this checkout's schema."""
        config = config_from_dict(side_config(HERE, side_knobs("after"), api_base=API_BASE))
        assert config.root.structured_decision is True
        assert config.models["default"].structured_output == "json_object"

    def test_apply_knobs_does_not_touch_its_input(self) -> None:
        """Knobs go into a copy; missing mappings are created; a scalar in the way is an error."""
        data = {"a": {"b": 1}, "c": 2}
        assert apply_knobs(data, {"a.b": 3, "x.y": "{api_base}/z"}, api_base="B") == {
            "a": {"b": 3},
            "c": 2,
            "x": {"y": "B/z"},
        }
        assert data == {"a": {"b": 1}, "c": 2}
        with pytest.raises(ValueError, match="not a mapping"):
            apply_knobs(data, {"c.d": 1}, api_base="B")

    def test_parse_sets_reads_yaml_values(self) -> None:
        """``KEY=VALUE`` values are YAML: numbers, booleans, mappings."""
        assert parse_sets(["a.b=3", "c=true", "d={e: 1}", "f=text"]) == {
            "a.b": 3,
            "c": True,
            "d": {"e": 1},
            "f": "text",
        }
        with pytest.raises(ValueError, match="KEY=VALUE"):
            parse_sets(["novalue"])

    def test_config_of_another_checkout(self, tmp_path: Path) -> None:
        """A side reads its own checkout's shipped file, not this one's."""
        (tmp_path / "configs").mkdir()
        (tmp_path / SHIPPED).write_text("version: 1\nmodels: {default: {model: x}}\n", encoding="utf-8")
        data = side_config(tmp_path, {"models.default.api_base": "{api_base}"}, api_base=API_BASE)
        assert data == {"version": 1, "models": {"default": {"model": "x", "api_base": API_BASE}}}
