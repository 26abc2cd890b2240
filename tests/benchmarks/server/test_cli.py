"""The hand-serving CLI: replies files and ``python -m benchmarks.server.model_server``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from benchmarks.server.model_server import load_replies
from benchmarks.server.reply_scripts import QueueScript, RoutedScript

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_load_replies_list_and_routes(tmp_path: Path) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(["a", "b"]))
    routed = tmp_path / "routed.json"
    routed.write_text(json.dumps({"[m]": ["for m"], "*": ["fallback"]}))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([1, 2]))
    assert isinstance(load_replies(plain), QueueScript)
    script = load_replies(routed)
    assert isinstance(script, RoutedScript)
    assert script.reply([{"role": "system", "content": "[m]"}]) == "for m"
    assert script.reply([{"role": "user", "content": "x"}]) == "fallback"
    with pytest.raises(ValueError):
        load_replies(bad)


@pytest.mark.slow
def test_cli_serves_and_prints_base_url(tmp_path: Path) -> None:
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(["from the cli"]))
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONPATH": str(REPO_ROOT)}
    cmd = [sys.executable, "-m", "benchmarks.server.model_server", "--profile", "instant", "--port", "0"]
    proc = subprocess.Popen(
        [*cmd, "--replies", str(replies)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        reply = httpx.post(f"{base_url}/chat/completions", json=body, timeout=10).json()
        assert reply["choices"][0]["message"]["content"] == "from the cli"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
