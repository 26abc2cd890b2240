"""The modelled OpenAI-compatible server that tests and both benchmark suites talk to over real HTTP.

:mod:`~benchmarks.server.model_server` (the server and its hand-serving CLI) is built from
:mod:`~benchmarks.server.http_handler` (requests in, OpenAI responses out),
:mod:`~benchmarks.server.openai_format` (the wire format and token counts),
:mod:`~benchmarks.server.reply_scripts` (which reply a request gets),
:mod:`~benchmarks.server.latency_model` (how long it takes), :mod:`~benchmarks.server.fault_injection`
(scripted errors and delays), :mod:`~benchmarks.server.request_log` (what the server saw), and, for
modelling local inference servers, :mod:`~benchmarks.server.request_checks` (what they refuse) and
:mod:`~benchmarks.server.slots` (how many requests they serve at once, and their prompt caches).
"""
