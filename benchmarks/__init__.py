"""Benchmarks and test doubles for orchestra that run without network access.

Rooms: :mod:`benchmarks.server` (a local OpenAI-compatible server that replays scripted replies
under a latency model, so tests exercise litellm's real HTTP path and benchmarks measure
orchestration overhead against a controlled, reproducible "model"), :mod:`benchmarks.common` (the
one cycle runner and its instruments), and the two suites :mod:`benchmarks.decision` and
:mod:`benchmarks.scale`. Entry points: ``python -m benchmarks.decision_latency``,
``python -m benchmarks.scale`` and ``python -m benchmarks.tool_latency``.
"""
