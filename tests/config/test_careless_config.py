"""Configs that a careless hand writes: refused at load (so by ``validate``), located, one line."""

from __future__ import annotations

import pytest

from orchestra.config import config_from_text
from orchestra.errors import ConfigError, GraphError


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        config_from_text(text, file="careless.yaml")
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("value", [".inf", "1e308", "31536000", ".nan"])
def test_an_absurd_deadline_is_refused(value: str) -> None:
    message = refused(f"heartbeat:\n  deadline_s: {value}\n")
    assert message.startswith("heartbeat.deadline_s: ")
    assert message.endswith("(careless.yaml:2)")


def test_a_boolean_is_not_a_step_count() -> None:
    assert refused("root:\n  max_steps: true\n").startswith("root.max_steps: input should be a valid integer")


@pytest.mark.parametrize(("key", "value"), [("root.max_steps", 10**30), ("heartbeat.rest_below", 1_000_000)])
def test_absurd_counts_are_refused(key: str, value: int) -> None:
    section, name = key.split(".")
    assert refused(f"{section}:\n  {name}: {value}\n").startswith(f"{key}: must be <= ")


@pytest.mark.parametrize("key", ["every", "jitter", "cooldown_after_user"])
def test_a_duration_is_checked_at_load(key: str) -> None:
    message = refused(f"heartbeat:\n  {key}: banana\n")
    assert message.startswith(f"heartbeat.{key}: invalid duration 'banana'")
    assert message.endswith("(careless.yaml:2)")


@pytest.mark.parametrize("value", ["${1BAD}", "${OPENAI_API_KEY", "sk-${UNCLOSED"])
def test_a_malformed_variable_is_not_a_literal_key(value: str) -> None:
    message = refused(f"models:\n  default: {{model: openai/x, api_key: '{value}'}}\n")
    assert message.startswith("models.default.api_key: malformed variable")


def test_an_unset_variable_that_is_the_whole_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORCHESTRA_SURELY_UNSET", raising=False)
    message = refused("models:\n  default: {model: '${ORCHESTRA_SURELY_UNSET}'}\n")
    assert message.startswith("models.default.model: environment variable ORCHESTRA_SURELY_UNSET is not set")


def test_a_layer_may_not_take_the_roots_name() -> None:
    message = refused("layers:\n  consciousness: {description: Me too.}\n")
    assert message.startswith("layers.consciousness: 'consciousness' is the root's own name")


def test_a_duplicate_edge_is_refused() -> None:
    with pytest.raises(GraphError) as caught:
        config_from_text(
            "graph:\n  feeds:\n    - sensorimotor -> perceptual\n    - sensorimotor -> perceptual\n",
            file="careless.yaml",
        )
    assert str(caught.value).startswith("graph.feeds[1]: edge sensorimotor -> perceptual is written twice")
    assert str(caught.value).endswith("(careless.yaml:4)")


def test_the_number_of_layers_is_bounded() -> None:
    layers = "".join(f"  l{n}: {{description: Layer {n}.}}\n" for n in range(65))
    message = refused("layers:\n" + layers)
    assert message.startswith("layers: 65 layers; a hierarchy may have 64")


@pytest.mark.parametrize("text", ["version: 1\n", ""])
def test_a_config_that_names_nothing_gets_the_five_layers_with_their_tools(text: str) -> None:
    config = config_from_text(text, file="minimal.yaml")
    assert list(config.layers) == ["sensorimotor", "perceptual", "conceptual", "abstract", "metacognitive"]
    sources = [source.model_dump(exclude_defaults=True) for source in config.tools.sources]
    assert sources == [{"python": "orchestra.tools.builtin"}, {"services": "in_process"}]
    assert "semantic_recall" in config.layer("perceptual").tools


def test_a_layer_typed_in_a_set_is_blamed_on_the_set_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_text("version: 1\n", file="careless.yaml", overrides=["layers.abstrct.max_steps=3"])
    message = str(caught.value)
    assert message.startswith("layers.abstrct.description: required for a layer without built-in defaults")
    assert "did you mean 'abstract'?" in message
    assert message.endswith("(--set layers.abstrct.max_steps=3)")


@pytest.mark.parametrize("shipped", ["thoughtseed.yaml", "chain.yaml"])
def test_the_documented_set_example_works_on_the_shipped_configs(shipped: str) -> None:
    from pathlib import Path

    from orchestra.config import load_config

    path = Path(__file__).resolve().parents[2] / "configs" / shipped
    config = load_config(path, ["layers.abstract.model=offline", "layers.abstract.max_steps=3"])
    assert config.layers["abstract"].model == "offline"


def test_a_root_tool_named_like_a_layer_is_refused_at_load() -> None:
    message = refused("root:\n  tools: [perceptual]\n")
    assert message.startswith("root.tools[0]: tool 'perceptual' has the same name as a layer")


def test_a_store_path_that_is_a_directory_names_its_key(tmp_path: object) -> None:
    from orchestra.tools.sources import ToolContext

    config = config_from_text(f"services:\n  store_path: '{tmp_path}'\n", file="careless.yaml")
    context = ToolContext(config)
    with pytest.raises(ConfigError) as caught:
        context.services()
    assert str(caught.value).startswith("services.store_path: store path ")
    assert str(caught.value).endswith("(careless.yaml:2)")
