"""Agents: the hierarchy (a root CodeAgent over the layer agents), DAG-aware dispatch, prompts,
and the record of what each agent did (its steps and every tool call)."""

from orchestra.agents.dispatch import Dispatcher, LayerResult
from orchestra.agents.hierarchy import ROOT_NAME, CycleResult, Hierarchy, build_hierarchy
from orchestra.agents.tool_calls import (
    TEXT_LIMIT,
    ToolCallLog,
    ToolCallRecord,
    TracedTool,
    jsonable,
    traced,
    truncate,
)
from orchestra.agents.trace import AgentExecution, ExecutionStep, agent_execution

__all__ = [
    "ROOT_NAME",
    "TEXT_LIMIT",
    "AgentExecution",
    "CycleResult",
    "Dispatcher",
    "ExecutionStep",
    "Hierarchy",
    "LayerResult",
    "ToolCallLog",
    "ToolCallRecord",
    "TracedTool",
    "agent_execution",
    "build_hierarchy",
    "jsonable",
    "traced",
    "truncate",
]
