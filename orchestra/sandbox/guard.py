"""smolagents' interpreter with its known holes closed: the in-process executor, and the worker's.

``LocalPythonExecutor`` refuses dunder attributes but not the others that lead out: a generator's
``gi_frame.f_locals`` holds the interpreter's own live import list and tool table, ``str.format``
walks attributes the AST checks never see, and the tools it hands to agent code are the host's
objects (``create_memory.wrapped.connection``). :class:`GuardedExecutor` refuses frame and code
attributes and private names wherever agent code can name them, allows ``.format`` only on literal
templates without attribute fields, keeps the import list in a tuple, and hands agent code a bare
function per tool and layer, with nothing behind it to reach.

In ``agents.executor: local`` this is the whole defence (for trusted workloads); inside the
sandbox worker it is the first of several layers (:mod:`orchestra.sandbox.isolation`).
"""

from __future__ import annotations

import ast
import string
from collections.abc import Callable, Iterable
from typing import Any

from smolagents.local_python_executor import CodeOutput, InterpreterError, LocalPythonExecutor

FRAME_ATTRIBUTES = frozenset(
    {
        "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "gi_suspended",
        "cr_frame", "cr_code", "cr_await", "cr_origin",
        "ag_frame", "ag_code", "ag_await",
        "f_locals", "f_globals", "f_builtins", "f_back", "f_code", "f_trace",
        "tb_frame", "tb_next", "co_code", "co_consts", "co_names",
        "func_globals", "func_closure", "func_code", "im_func", "im_self",
    }
)
"""Frames, code and tracebacks: the way from a value to the interpreter's locals. Refused as
attributes and as string constants (``getattr(g, "gi_frame")``)."""

HOST_ATTRIBUTES = frozenset(
    {
        "wrapped", "connection", "python_executor", "managed_agents", "authorized_imports",
        "static_tools", "custom_tools", "forward",
    }
)
"""What a host object would expose if one leaked in anyway; refused as attributes."""

FORBIDDEN_ATTRIBUTES = FRAME_ATTRIBUTES | HOST_ATTRIBUTES
"""Attributes agent code may not read, write or name, on anything."""


def _refused(name: str) -> str | None:
    if name in FORBIDDEN_ATTRIBUTES:
        return f"access to '{name}' is not allowed in agent code"
    if name.startswith("_"):
        return f"access to private attribute '{name}' is not allowed in agent code"
    return None


def _check_template(template: str) -> None:
    """Refuse ``str.format`` fields that walk attributes (``{0.gi_frame}``), nested specs included."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # format() itself will refuse it
    for _literal, field, spec, _conversion in fields:
        if field and "." in field:
            raise InterpreterError(f"format field '{{{field}}}' reads an attribute; use an f-string")
        if spec:
            _check_template(spec)


class _CodeChecker(ast.NodeVisitor):
    def __init__(self, tools: frozenset[str]) -> None:
        self.tools = tools

    def visit_Attribute(self, node: ast.Attribute) -> None:
        problem = _refused(node.attr)
        if problem and not node.attr.startswith("__"):  # dunders: smolagents' own message
            raise InterpreterError(problem)
        changes = isinstance(node.ctx, ast.Store | ast.Del)
        if changes and isinstance(node.value, ast.Name) and node.value.id in self.tools:
            raise InterpreterError(f"tools and functions cannot be changed from agent code ({node.value.id})")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in FRAME_ATTRIBUTES:
            raise InterpreterError(f"the name '{node.value}' is not allowed in agent code")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in {"format", "format_map"}:
            template: ast.expr | None = func.value
            if isinstance(func.value, ast.Name) and func.value.id == "str":
                template = node.args[0] if node.args else None
            if not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
                raise InterpreterError(
                    f".{func.attr}() is allowed on a literal template only; use an f-string"
                )
            _check_template(template.value)
        self.generic_visit(node)


def check_code(code: str, tools: frozenset[str] = frozenset()) -> None:
    """Refuse code that names what leads out of the interpreter (see :data:`FORBIDDEN_ATTRIBUTES`)
    or changes one of ``tools``.

    Raises:
        InterpreterError: what was refused; a syntax error is left to the interpreter's own message.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return
    _CodeChecker(tools).visit(tree)


def _guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    problem = _refused(name) if isinstance(name, str) else "attribute names are strings"
    if problem:
        raise InterpreterError(problem)
    return getattr(obj, name, *default)


def _guarded_hasattr(obj: Any, name: str) -> bool:
    problem = _refused(name) if isinstance(name, str) else "attribute names are strings"
    if problem:
        raise InterpreterError(problem)
    return hasattr(obj, name)


def _guarded_setattr(obj: Any, name: str, value: Any) -> None:
    problem = _refused(name) if isinstance(name, str) else "attribute names are strings"
    if problem:
        raise InterpreterError(problem)
    if callable(obj) and not isinstance(obj, type):
        raise InterpreterError("tools and functions cannot be changed from agent code")
    setattr(obj, name, value)


GUARDED_BUILTINS: dict[str, Callable[..., Any]] = {
    "getattr": _guarded_getattr,
    "hasattr": _guarded_hasattr,
    "setattr": _guarded_setattr,
}
"""Replacements for smolagents' attribute builtins, which refuse only dunders."""


def bare_function(name: str, target: Callable[..., Any]) -> Callable[..., Any]:
    """A function that calls ``target`` and exposes nothing of it (no ``wrapped``, ``model``...)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return target(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


class GuardedExecutor(LocalPythonExecutor):
    """``LocalPythonExecutor`` with the checks above; tools become bare functions as they arrive."""

    def __init__(
        self,
        authorized_imports: Iterable[str],
        *,
        max_print_outputs_length: int | None = None,
        timeout_seconds: float | None = None,
    ) -> None:
        super().__init__(
            list(authorized_imports),
            max_print_outputs_length=max_print_outputs_length,
            timeout_seconds=timeout_seconds,
        )
        self.authorized_imports: tuple[str, ...] = tuple(self.authorized_imports)

    def send_tools(self, tools: dict[str, Any]) -> None:
        self._tool_names = frozenset(tools)
        super().send_tools({name: bare_function(name, tool) for name, tool in tools.items()})
        assert self.static_tools is not None
        self.static_tools.update(GUARDED_BUILTINS)

    def __call__(self, code_action: str) -> CodeOutput:
        check_code(code_action, getattr(self, "_tool_names", frozenset()))
        return super().__call__(code_action)
