"""Benchmarks and test doubles for orchestra that run without network access.

The main piece is :mod:`benchmarks.server.model_server`, a local OpenAI-compatible server that replays
scripted replies under a latency model, so tests exercise litellm's real HTTP path and benchmarks
measure orchestration overhead against a controlled, reproducible "model".
"""
