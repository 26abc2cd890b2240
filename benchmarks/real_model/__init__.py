"""Issue 10 against a real small model: before and after, measured through orchestra's CLI.

N beats and N ``orchestra run`` tasks per side against SmolLM2-135M-Instruct behind
llama-cpp-python's OpenAI-compatible server on 127.0.0.1 (one slot). "Before" and "after" are two
checkouts driven by the same harness in subprocesses, so the old code is measured as it shipped.
Run it with ``python -m benchmarks.real_model [--quick] [--beats N] [--runs N]``.

Modules, one concept each: :mod:`~benchmarks.real_model.knobs` (what each side changes in the
shipped config), :mod:`~benchmarks.real_model.configs` (writing a side's config),
:mod:`~benchmarks.real_model.checkouts` (the two checkouts), :mod:`~benchmarks.real_model.server`
(the model server), :mod:`~benchmarks.real_model.cache_log` (the prompt-cache hit rate from its
log), :mod:`~benchmarks.real_model.cli_process` (one bounded orchestra process),
:mod:`~benchmarks.real_model.records` (a beat or run from its JSON), :mod:`~benchmarks.real_model.suite`
(one side's measurement), :mod:`~benchmarks.real_model.summary`, :mod:`~benchmarks.real_model.targets`
and :mod:`~benchmarks.real_model.report` (what gets written), :mod:`~benchmarks.real_model.cli`.
"""
