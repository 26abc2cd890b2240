"""Config loading: every error names file, line and key path; overrides and env interpolation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestra.config import Config, config_from_text, load_config
from orchestra.errors import ConfigError, GraphError

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    return path


class TestShippedConfigs:
    """Each file in configs/ loads and means what its comments say."""

    @pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "configs").glob("*.yaml")))
    def test_loads(self, name: str) -> None:
        config = load_config(ROOT / "configs" / name)
        assert list(config.layers) == [
            "sensorimotor",
            "perceptual",
            "conceptual",
            "abstract",
            "metacognitive",
        ]
        assert config.models["default"].model == "openai/gpt-5-nano"
        assert config.models["default"].fallbacks == ["offline"]

    def test_layer_defaults_fill_omitted_fields(self) -> None:
        layer = load_config(ROOT / "configs/thoughtseed.yaml").layer("sensorimotor")
        assert layer.tools == ("observe_environment",)
        assert "sensorimotor" in layer.description.lower()
        assert layer.max_steps == 3


class TestErrors:
    """Bad input gets one clear message with the key path and the line."""

    def test_yaml_syntax_error_names_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, "layers:\n  abstract: [1\n  x: 2\n")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert "invalid YAML" in str(caught.value)
        assert f"{path}:3" in str(caught.value)

    def test_unknown_key_suggests_and_lists_valid_keys(self, tmp_path: Path) -> None:
        path = write(tmp_path, "layers:\n  sensorimotor: {}\n  abstract:\n    max_stepz: 3\n")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        message = str(caught.value)
        assert message.startswith(
            "layers.abstract.max_stepz: unknown key 'max_stepz' (did you mean 'max_steps'?)"
        )
        assert (
            "valid keys: description, executor, instructions, kind, max_memory_steps, max_steps, model, tools"
            in message
        )
        assert message.endswith(f"({path}:4)")

    def test_bound_violation_has_the_promised_shape(self, tmp_path: Path) -> None:
        text = "\n" * 22 + "layers:\n  abstract:\n    max_steps: 0\n"
        path = write(tmp_path, text)
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert str(caught.value) == f"layers.abstract.max_steps: must be >= 1 ({path}:25)"

    def test_unknown_model_profile_lists_profiles(self) -> None:
        text = "models:\n  default: {model: openai/x}\n  fast: {model: openai/y}\nlayers:\n  abstract: {model: fats}\n"
        with pytest.raises(ConfigError) as caught:
            config_from_text(text, file="c.yaml")
        assert str(caught.value) == (
            "layers.abstract.model: unknown model profile 'fats' (did you mean 'fast'?); valid: default, fast (c.yaml:5)"
        )

    def test_unknown_fallback_profile(self) -> None:
        text = "models:\n  default:\n    model: openai/x\n    fallbacks: [ofline]\n  offline: {model: orchestra/offline}\n"
        with pytest.raises(
            ConfigError, match=r"models.default.fallbacks\[0\]: unknown model profile 'ofline'.*c.yaml:4"
        ):
            config_from_text(text, file="c.yaml")

    def test_unknown_layer_in_graph(self) -> None:
        text = "layers:\n  sensorimotor: {}\n  perceptual: {}\ngraph:\n  feeds:\n    - sensorimotor -> percepual\n"
        with pytest.raises(GraphError) as caught:
            config_from_text(text, file="c.yaml")
        assert str(caught.value) == (
            "graph.feeds[0]: unknown layer 'percepual' (did you mean 'perceptual'?); "
            "valid: sensorimotor, perceptual (c.yaml:6)"
        )

    def test_feeds_cycle_is_named(self) -> None:
        text = (
            "layers:\n  a: {description: x}\n  b: {description: y}\n  c: {description: z}\n"
            "graph:\n  feeds: [a -> b, b -> c, c -> a]\n"
        )
        with pytest.raises(GraphError) as caught:
            config_from_text(text, file="c.yaml")
        assert "feeds must form a DAG; cycle: a -> b -> c -> a" in str(caught.value)
        assert "(c.yaml:6)" in str(caught.value)

    def test_modulates_may_point_backwards(self) -> None:
        text = "layers:\n  a: {description: x}\n  b: {description: y}\ngraph:\n  feeds: [a -> b]\n  modulates: [b -> a]\n"
        config = config_from_text(text)
        assert config.graph.modulates == [("b", "a")]

    def test_self_loop(self) -> None:
        text = "layers:\n  a: {description: x}\ngraph:\n  feeds: [a -> a]\n"
        with pytest.raises(GraphError, match="self-loop on 'a'"):
            config_from_text(text)

    def test_duplicate_key(self) -> None:
        with pytest.raises(
            ConfigError, match=r"layers.a: key written twice \(first on line 2\) \(c.yaml:3\)"
        ):
            config_from_text("layers:\n  a: {description: x}\n  a: {description: y}\n", file="c.yaml")

    def test_custom_layer_needs_description(self) -> None:
        with pytest.raises(ConfigError, match="layers.novel.description: required"):
            config_from_text("layers:\n  novel: {}\n")

    def test_layer_name_must_be_identifier(self) -> None:
        with pytest.raises(ConfigError, match="must be a Python identifier"):
            config_from_text("layers:\n  not-valid: {description: x}\n")

    def test_wrong_type(self) -> None:
        with pytest.raises(ConfigError, match=r"root.max_steps: .*got 'many'.*c.yaml:2"):
            config_from_text("root:\n  max_steps: many\n", file="c.yaml")

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="config file not found"):
            load_config(tmp_path / "absent.yaml")


class TestOverrides:
    """``--set key.path=value`` overrides any key and its errors name the override."""

    def test_set_changes_value_with_yaml_typing(self) -> None:
        config = load_config(
            ROOT / "configs/thoughtseed.yaml", ["layers.abstract.max_steps=2", "root.tools=[]"]
        )
        assert config.layer("abstract").max_steps == 2

    def test_set_profile_reference(self) -> None:
        overrides = ["models.fast.model=openai/gpt-5-mini", "layers.abstract.model=fast"]
        config = load_config(ROOT / "configs/thoughtseed.yaml", overrides)
        assert config.layer("abstract").model == "fast"

    def test_bad_override_names_the_override(self) -> None:
        with pytest.raises(ConfigError) as caught:
            load_config(ROOT / "configs/thoughtseed.yaml", ["layers.abstract.model=fast"])
        assert str(caught.value).endswith("(--set layers.abstract.model=fast)")

    def test_malformed_override(self) -> None:
        with pytest.raises(ConfigError, match="key.path=value"):
            load_config(ROOT / "configs/thoughtseed.yaml", ["layers.abstract.model"])


class TestEnvironment:
    """``${VAR}`` and ``${VAR:-default}`` read the environment."""

    def test_set_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ORCH_TEST_KEY", "sk-123")
        config = config_from_text("models:\n  default: {model: openai/x, api_key: '${ORCH_TEST_KEY}'}\n")
        assert config.models["default"].api_key == "sk-123"

    def test_unset_whole_value_is_null(self) -> None:
        config = config_from_text("models:\n  default: {model: openai/x, api_key: '${ORCH_UNSET_VAR}'}\n")
        assert config.models["default"].api_key is None

    def test_default_value(self) -> None:
        text = "models:\n  default: {model: openai/x, api_base: 'http://${ORCH_UNSET_HOST:-127.0.0.1}:8000/v1'}\n"
        assert config_from_text(text).models["default"].api_base == "http://127.0.0.1:8000/v1"

    def test_unset_inside_text_is_an_error(self) -> None:
        text = "models:\n  default:\n    model: openai/x\n    api_base: 'http://${ORCH_UNSET_HOST}/v1'\n"
        with pytest.raises(
            ConfigError, match=r"models.default.api_base: environment variable ORCH_UNSET_HOST.*c.yaml:4"
        ):
            config_from_text(text, file="c.yaml")


def test_schema_is_json_schema_with_every_section() -> None:
    schema = json.loads(json.dumps(Config.model_json_schema()))
    assert set(schema["properties"]) == {
        "version",
        "models",
        "root",
        "layers",
        "graph",
        "tools",
        "agents",
        "heartbeat",
        "services",
    }
    assert schema["$defs"]["LayerConfig"]["additionalProperties"] is False
