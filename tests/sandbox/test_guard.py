"""GuardedExecutor: ordinary agent code runs; each known way out of the interpreter is refused."""

from __future__ import annotations

from typing import Any

import pytest
from smolagents import tool
from smolagents.local_python_executor import InterpreterError

from orchestra.sandbox.guard import FORBIDDEN_ATTRIBUTES, GuardedExecutor, bare_function, check_code

IMPORTS = ("json", "datetime", "re", "math", "statistics")


@tool
def create_memory(text: str) -> dict:
    """Store a memory (a stand-in for a host tool).

    Args:
        text: what to remember.
    """
    return {"text": text, "stored": True, "tags": ["a", "b"]}


@pytest.fixture
def guarded() -> GuardedExecutor:
    executor = GuardedExecutor(IMPORTS)
    executor.send_tools({"create_memory": create_memory})
    executor.send_variables({})
    return executor


class TestOrdinaryCode:
    """What agents normally write still runs."""

    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("[x * x for x in range(4)]", [0, 1, 4, 9]),
            ("{k: v for k, v in [('a', 1), ('b', 2)] if v > 1}", {"b": 2}),
            ("sum(x for x in range(5))", 10),
            ("import json\njson.loads(json.dumps({'a': [1, 2]}))", {"a": [1, 2]}),
            (
                "import datetime\n(datetime.date(2024, 1, 31) + datetime.timedelta(days=1)).isoformat()",
                "2024-02-01",
            ),
            ("import re\nre.findall(r'\\d+', 'a1b22c333')", ["1", "22", "333"]),
            ("import math\nmath.floor(math.sqrt(17))", 4),
            ("import statistics\nstatistics.median([3, 1, 2])", 2),
            ("n = 3\nf'{n} x {n * 2:>3}'", "3 x   6"),
            ("'{} x'.format(3)", "3 x"),
            ("'{0}-{1:02d}'.format('a', 7)", "a-07"),
            ("str.format('{}!', 'hi')", "hi!"),
            ("getattr('abc', 'upper')()", "ABC"),
            ("hasattr([], 'append')", True),
        ],
    )
    def test_runs(self, guarded: GuardedExecutor, code: str, expected: Any) -> None:
        assert guarded(code).output == expected

    def test_tools_return_dicts(self, guarded: GuardedExecutor) -> None:
        out = guarded("m = create_memory('the sky')\n[m['text'], m['stored'], len(m['tags'])]").output
        assert out == ["the sky", True, 2]

    def test_setattr_on_plain_objects_still_works(self, guarded: GuardedExecutor) -> None:
        code = "class Box:\n    pass\nb = Box()\nsetattr(b, 'size', 4)\nb.size"
        assert guarded(code).output == 4

    def test_variables_persist_between_calls(self, guarded: GuardedExecutor) -> None:
        guarded("total = 40")
        assert guarded("total + 2").output == 42


class TestEscapesRefused:
    """Each class of escape gets an InterpreterError that says what was refused."""

    GEN = "g = (i for i in range(3))\n"

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            (GEN + "g.gi_frame", "access to 'gi_frame' is not allowed"),
            (GEN + "g.gi_frame.f_locals", "is not allowed in agent code"),
            (GEN + "getattr(g, 'gi_frame')", "the name 'gi_frame' is not allowed"),
            (GEN + "name = 'gi_' + 'frame'\ngetattr(g, name)", "access to 'gi_frame' is not allowed"),
            (GEN + "hasattr(g, 'gi_' + 'code')", "access to 'gi_code' is not allowed"),
            (GEN + "'{0.gi_frame}'.format(g)", "format field '{0.gi_frame}' reads an attribute"),
            (GEN + "'{0:{1.gi_code}}'.format(1, g)", "reads an attribute"),
            (GEN + "str.format('{0.gi_frame}', g)", "reads an attribute"),
            ("'{x.real}'.format_map({'x': 1})", "format field '{x.real}' reads an attribute"),
            ("template = '{0}'\ntemplate.format(1)", ".format() is allowed on a literal template only"),
            ("('{' + '0}').format(1)", ".format() is allowed on a literal template only"),
            ("t = '{0}'\nstr.format(t, 1)", ".format() is allowed on a literal template only"),
            ("create_memory.wrapped", "access to 'wrapped' is not allowed"),
            ("getattr(create_memory, 'wrap' + 'ped')", "access to 'wrapped' is not allowed"),
            ("create_memory.connection", "access to 'connection' is not allowed"),
            ("x = 1\nx.python_executor", "access to 'python_executor' is not allowed"),
            ("setattr(create_memory, 'name', 'other')", "tools and functions cannot be changed"),
            ("setattr(create_memory, 'wrapped', None)", "access to 'wrapped' is not allowed"),
            ("getattr(create_memory, '_secret', None)", "access to private attribute '_secret'"),
            ("hasattr(create_memory, '_x')", "access to private attribute '_x'"),
            ("class A:\n    pass\nsetattr(A(), '_x', 1)", "access to private attribute '_x'"),
            ("getattr(create_memory, 1)", "attribute names are strings"),
            ("[1]._private", "access to private attribute '_private'"),
            ("try:\n    1 / 0\nexcept Exception as e:\n    t = e.__traceback__", "__traceback__"),
            ("import os", "Import of os is not allowed"),
        ],
    )
    def test_refused(self, guarded: GuardedExecutor, code: str, message: str) -> None:
        with pytest.raises(InterpreterError) as caught:
            guarded(code)
        assert message in str(caught.value)

    @pytest.mark.parametrize("name", sorted(FORBIDDEN_ATTRIBUTES))
    def test_every_forbidden_attribute_is_refused_by_check_code(self, name: str) -> None:
        with pytest.raises(InterpreterError, match=name):
            check_code(f"x = 1\nx.{name}")

    def test_check_code_leaves_syntax_errors_to_the_interpreter(self, guarded: GuardedExecutor) -> None:
        check_code("def (:")  # no refusal of its own
        with pytest.raises(InterpreterError) as caught:
            guarded("def (:")
        assert "SyntaxError" in str(caught.value) or "invalid syntax" in str(caught.value)

    def test_assigning_an_attribute_of_a_tool_is_refused_like_setattr(self, guarded: GuardedExecutor) -> None:
        with pytest.raises(InterpreterError, match="cannot be changed"):
            guarded("create_memory.description = 'anything goes'")


class TestImports:
    """The import list is frozen: nothing can add to it."""

    def test_import_list_is_a_tuple(self, guarded: GuardedExecutor) -> None:
        assert isinstance(guarded.authorized_imports, tuple)
        assert set(IMPORTS) <= set(guarded.authorized_imports)
        assert "os" not in guarded.authorized_imports

    def test_import_list_cannot_be_appended_to(self, guarded: GuardedExecutor) -> None:
        with pytest.raises(AttributeError):
            guarded.authorized_imports.append("os")  # type: ignore[attr-defined]

    def test_still_a_tuple_after_tools_and_runs(self, guarded: GuardedExecutor) -> None:
        guarded("import json\njson.dumps(1)")
        guarded.send_tools({"create_memory": create_memory})
        guarded("1")
        assert isinstance(guarded.authorized_imports, tuple)
        with pytest.raises(InterpreterError, match="Import of subprocess is not allowed"):
            guarded("import subprocess")


class TestBareTools:
    """Tools reach agent code as bare functions with nothing of the tool object behind them."""

    def test_forward_refused(self, guarded: GuardedExecutor) -> None:
        with pytest.raises(InterpreterError, match="access to 'forward' is not allowed"):
            guarded("getattr(create_memory, 'forward')")

    @pytest.mark.parametrize("attribute", ["name", "description", "inputs", "output_type", "is_initialized"])
    def test_tool_object_attributes_are_not_reachable(self, guarded: GuardedExecutor, attribute: str) -> None:
        assert hasattr(create_memory, attribute)  # the host's Tool has it...
        assert (
            guarded(f"getattr(create_memory, '{attribute}', 'absent')").output == "absent"
        )  # ...agent code not
        with pytest.raises(InterpreterError, match="AttributeError"):
            guarded(f"create_memory.{attribute}")

    def test_the_tool_in_the_interpreter_is_not_the_host_object(self, guarded: GuardedExecutor) -> None:
        assert guarded.static_tools is not None
        seen = guarded.static_tools["create_memory"]
        assert seen is not create_memory
        assert not hasattr(seen, "forward")
        assert seen.__name__ == "create_memory"

    def test_bare_function_calls_the_target_and_exposes_nothing(self) -> None:
        calls: list[tuple[Any, ...]] = []

        class Target:
            model = "secret-model"

            def __call__(self, *args: Any, **kwargs: Any) -> str:
                calls.append((args, kwargs))
                return "done"

        bare = bare_function("layer", Target())
        assert bare(1, key=2) == "done"
        assert calls == [((1,), {"key": 2})]
        assert bare.__name__ == bare.__qualname__ == "layer"
        assert not hasattr(bare, "model")
        assert vars(bare) == {}

    def test_guarded_builtins_are_installed(self, guarded: GuardedExecutor) -> None:
        assert guarded.static_tools is not None
        assert guarded.static_tools["getattr"] is not getattr
        with pytest.raises(InterpreterError, match="private"):
            guarded("getattr(1, '_x')")
