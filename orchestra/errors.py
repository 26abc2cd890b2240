"""One exception tree for orchestra, so callers catch what they can handle.

    OrchestraError                  anything orchestra raises on purpose
    ├── ConfigError                 bad YAML, unknown key/name, bad value (file:line, key path)
    │   └── GraphError              feeds cycle, self-loop, unknown endpoint
    ├── ToolError                   tool registry and tool sources
    │   └── UnknownToolError        a layer names tools no source provides
    ├── ModelError                  a model profile could not answer (after fallbacks)
    ├── LayerFailedError            a layer agent raised or hit its step limit
    ├── BudgetError                 energy / time budgets exhausted
    └── ServiceError                a cognitive service refused its input or failed
        └── StoreError              the persistent store failed

Every error carries an ``exit_code`` so the CLI maps errors to exit codes in one place.
User errors (config, tools) exit 2; runtime failures exit 1.
"""

from __future__ import annotations

import difflib

MORE_SHOWN = 3
"""Further problems of a config error that its message quotes (the rest are counted)."""


class OrchestraError(Exception):
    """Base of every error orchestra raises on purpose."""

    exit_code: int = 1


class ConfigError(OrchestraError):
    """The configuration is invalid; the message names the file, line and key path."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        key_path: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.key_path = key_path
        self.file = file
        self.line = line
        self.more: list[str] = []
        """Further problems found in the same pass, rendered."""
        super().__init__(self.render())

    def __str__(self) -> str:
        """The first problem, then a few of the others: thousands of bad layers must not make a 1 MB line."""
        shown = "; ".join(self.more[:MORE_SHOWN]) + ("; ..." if len(self.more) > MORE_SHOWN else "")
        extra = f" (and {len(self.more)} more: {shown})" if self.more else ""
        return self.render() + extra

    def render(self) -> str:
        """Format as ``key.path: message (file:line)``."""
        text = f"{self.key_path}: {self.message}" if self.key_path else self.message
        if self.file and self.line:
            text += f" ({self.file}:{self.line})"
        elif self.file:
            text += f" ({self.file})"
        return text


class GraphError(ConfigError):
    """The layer graph is not a valid DAG of known layers."""


class ToolError(OrchestraError):
    """A tool could not be registered, found or called."""

    exit_code = 2


class UnknownToolError(ToolError):
    """Layers name tools that no configured source provides."""


class ModelError(OrchestraError):
    """No model in a profile's fallback chain produced an answer."""


class LayerFailedError(OrchestraError):
    """A layer agent failed or hit its step limit; never an ordinary answer."""

    def __init__(self, layer: str, reason: str) -> None:
        self.layer = layer
        self.reason = reason
        super().__init__(f"layer '{layer}' failed: {reason}")


class BudgetError(OrchestraError):
    """A time or energy budget was exhausted."""


class ServiceError(OrchestraError):
    """A cognitive service refused its input or could not complete."""


class StoreError(ServiceError):
    """The persistent store failed to read or write."""


def suggestion(name: str, valid: list[str]) -> str:
    """`` 'name' (did you mean 'other'?)`` when a valid name is close, else `` 'name'``."""
    close = difflib.get_close_matches(name, valid, n=1)
    return f" '{name}' (did you mean '{close[0]}'?)" if close else f" '{name}'"


def unknown_name(kind: str, name: str, valid: list[str]) -> str:
    """Message for an unknown name that lists the valid choices, with a suggestion."""
    return f"unknown {kind}{suggestion(name, valid)}; valid: {', '.join(valid) or '(none)'}"


def describe(error: BaseException) -> str:
    """``Type: first line`` of the innermost cause: what a log line or a report should say.

    smolagents wraps model failures as ``AgentGenerationError("Error in generating model
    output:")`` with the real reason in ``__cause__``; the reason is what a researcher needs.
    """
    while True:
        if isinstance(error, BaseExceptionGroup) and error.exceptions:
            error = error.exceptions[0]
        elif error.__cause__ is not None:
            error = error.__cause__
        else:
            break
    text = _cause_text(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


_CAUSE_LIMIT = 300


def _cause_text(message: str) -> str:
    """The first line of a message; when it ends in a colon, also the lines it introduces.

    ``10 validation errors:`` alone hides the cause; the (first three) lines after it are the cause.
    """
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[0]
    if text.endswith(":") and len(lines) > 1:
        details = lines[1:4]
        text = f"{text} {'; '.join(details)}" + (" ..." if len(lines) > 4 else "")
    return text[:_CAUSE_LIMIT]
