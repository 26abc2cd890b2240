"""The ``--scale`` curves: latency and overhead as the work grows (issue 5).

Four curves, each a handful of decision cycles per size against the scripted model server:

- **tools**: 37 → 100 → 200 tools bridged from one MCP server (orchestra's own plus fillers),
  orchestra's DAG against one flat smolagents agent given every tool;
- **layers**: 3 → 5 → 9 layers in a wide DAG (``k - 1`` feeders into one sink), orchestra's
  dispatch against smolagents' managed agents called in turn;
- **minds**: 1 → 8 → 32 orchestra minds deciding at once, each with its own store;
- **recall**: ``semantic_recall`` and the decision over 1k → 10k → 100k memories.

Run: ``.venv/bin/python -m benchmarks.decision_latency --scale [--quick]`` (or
``python -m benchmarks.scale`` for ``--profile`` and ``--curves``). Writes
``benchmarks/results/scale.{json,md}`` and ``scale-<curve>.svg`` (``scale-quick*`` with ``--quick``).

Modules: :mod:`~benchmarks.scale.plan` (sizes), :mod:`~benchmarks.scale.config` (configs from the
shipped YAML), :mod:`~benchmarks.scale.decision_script` (the decision's routes as a stateless
:class:`~benchmarks.common.routes.StepRouter`), :mod:`~benchmarks.scale.cycle` (the shared cycle
runner of :mod:`benchmarks.common`, judged by requests per agent) and :mod:`~benchmarks.scale.figures`
(measuring a point), :mod:`~benchmarks.scale.fillers` and :mod:`~benchmarks.scale.filler_server` (the big MCP
server), :mod:`~benchmarks.scale.wide` (the wide DAG), :mod:`~benchmarks.scale.own_tools` (per-mind
built-in tools), :mod:`~benchmarks.scale.bulk` (big stores), one ``*_curve`` module per curve,
:mod:`~benchmarks.scale.growth` (super-linear or not, as a number), :mod:`~benchmarks.scale.spec`,
:mod:`~benchmarks.scale.linechart` and :mod:`~benchmarks.scale.report` (what gets written) and
:mod:`~benchmarks.scale.cli`.
"""
