"""What the sandbox costs: per code step, per worker start, and on the decision benchmark.

Run it with ``.venv/bin/python -m benchmarks.sandbox_cost [--quick]``.

Modules: :mod:`~benchmarks.sandbox.steps` (the snippets, their tools, the two executors),
:mod:`~benchmarks.sandbox.preflight` (which isolation mechanisms can run here),
:mod:`~benchmarks.sandbox.timing` (percentiles in milliseconds),
:mod:`~benchmarks.sandbox.step_cost` (sandbox against in-process, interleaved),
:mod:`~benchmarks.sandbox.startup` (zygote cold start, fork, restart after a kill),
:mod:`~benchmarks.sandbox.decision_overhead` (the decision benchmark's DAG, local against sandbox)
and :mod:`~benchmarks.sandbox.report` (the document, the markdown and the method).
"""
