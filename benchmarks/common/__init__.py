"""What both suites measure with: the one cycle runner and its instruments.

:mod:`~benchmarks.common.cycle` (run, check and decompose a cycle), :mod:`~benchmarks.common.scenario`
(what it runs), :mod:`~benchmarks.common.routes` (who gets which reply), the timers
:mod:`~benchmarks.common.tool_timer` and :mod:`~benchmarks.common.model_timer`, and
:mod:`~benchmarks.common.intervals` (the critical-path arithmetic).
"""
