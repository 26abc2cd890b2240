"""pydantic's validation errors, translated into one located ``ConfigError`` each.

pydantic reports ``loc`` tuples with discriminator tags and no file; a researcher needs
``layers.abstract.max_steps: must be >= 1 (configs/x.yaml:12)`` and, for an unknown key, the
valid keys of that section with a suggestion.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from orchestra.config.schema import TOOL_SOURCE_TAGS, Config
from orchestra.config.yaml_source import SourceMap, join_path
from orchestra.errors import ConfigError, suggestion


def translate_validation_error(exc: ValidationError, source: SourceMap) -> ConfigError:
    """The first error, located, with the others listed in its ``more``."""
    errors = exc.errors(include_url=False)
    rendered = [_render_error(error, source) for error in errors]
    first = rendered[0]
    if len(rendered) > 1:
        first.more = [str(other) for other in rendered[1:]]
    return first


def _render_error(error: Any, source: SourceMap) -> ConfigError:
    raw_loc = list(error["loc"])
    loc = [
        part for part in raw_loc if not (isinstance(part, str) and (part in TOOL_SOURCE_TAGS or "[" in part))
    ]
    key_path = ""
    for part in loc:
        key_path = join_path(key_path, part)
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        valid = sorted(_fields_at(raw_loc[:-1]))
        message = f"unknown key{suggestion(str(loc[-1]), valid)}; valid keys: {', '.join(valid)}"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "greater_than_equal":
        message = f"must be >= {ctx['ge']}"
    elif kind == "greater_than":
        message = f"must be > {ctx['gt']}"
    elif kind == "less_than_equal":
        message = f"must be <= {ctx['le']}"
    elif kind == "less_than":
        message = f"must be < {ctx['lt']}"
    elif kind == "literal_error":
        message = f"must be one of {ctx['expected']}"
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    elif kind == "tool_source":
        message = error["msg"]
    else:
        message = f"{error['msg'][:1].lower()}{error['msg'][1:]} (got {error.get('input')!r})"
    if key_path in source.unset and error.get("input") is None:
        message = f"environment variable {source.unset[key_path]} is not set (and this key needs a value)"
    return source.error(key_path, message)


def _fields_at(loc: list[Any]) -> list[str]:
    """Valid keys of the section at ``loc``, walking the schema through dicts and lists."""
    annotation: Any = Config
    for part in loc:
        if isinstance(part, str) and part in TOOL_SOURCE_TAGS:
            annotation = TOOL_SOURCE_TAGS[part]
            continue
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        elif typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``X | None`` and ``Annotated`` so the schema walk sees the section type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
            if len(members) != 1:
                return annotation
        else:
            return annotation
