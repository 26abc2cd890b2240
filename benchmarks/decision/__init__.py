"""SC-003: decision latency of a five-step heartbeat, orchestra against plain smolagents.

Every scenario does the same work through litellm over real HTTP to the scripted model server
(:mod:`benchmarks.server.model_server`); only the orchestration differs. Run it with
``.venv/bin/python -m benchmarks.decision_latency [--quick] [--cycles N]``.

Modules: :mod:`~benchmarks.decision.texts` (the scripted replies, who gets them, and the task),
:mod:`~benchmarks.decision.store` (the seeded store), :mod:`~benchmarks.decision.budget` (the
arithmetic), :mod:`~benchmarks.decision.scenarios` (the four ways to decide),
:mod:`~benchmarks.decision.runner` (one scenario under one profile, on the shared cycle runner of
:mod:`benchmarks.common`), :mod:`~benchmarks.decision.summary`,
:mod:`~benchmarks.decision.targets`, :mod:`~benchmarks.decision.report` and
:mod:`~benchmarks.decision.chart` (what gets written).
"""
