"""Isolation: what each mechanism says it protects, and that bubblewrap's worker really is contained.

Each containment probe runs under both mechanisms: bubblewrap must block it, and rlimits (which
lists that protection as off) lets it through, which shows the probe itself can see a breach.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import orchestra
from orchestra.sandbox import PROTECTIONS, Isolation, IsolationUnavailable, Limits, SandboxExecutor, choose
from orchestra.sandbox import isolation as isolation_module
from orchestra.sandbox.isolation import SCRATCH, bubblewrap_prefix, worker_environment

OFF_UNDER_RLIMITS = {"network", "filesystem", "processes", "privileges"}
EXISTS = "def exists(p):\n    ok = True\n    try:\n        os.stat(p)\n    except Exception:\n        ok = False\n    return ok\n"
"""Agent code's os.path.exists (os.path itself is posixpath, not authorized; and smolagents' return
is an exception, so it cannot sit in a try with an except Exception)."""


class TestWhatEachMechanismSays:
    """``Isolation.off`` names exactly what is missing."""

    def test_bubblewrap_lacks_nothing(self, bubblewrap: Isolation) -> None:
        assert bubblewrap.mechanism == "bubblewrap"
        assert bubblewrap.off == ()
        assert set(bubblewrap.on) == set(PROTECTIONS)
        assert bubblewrap.reason is None
        assert bubblewrap.prefix[0].endswith("bwrap")

    def test_rlimits_lacks_the_namespaces(self, rlimits: Isolation) -> None:
        assert rlimits.mechanism == "rlimits"
        assert set(rlimits.off) == OFF_UNDER_RLIMITS
        assert {"environment", "rlimits", "kill"} <= set(rlimits.on)
        assert rlimits.prefix == ()
        assert rlimits.reason == "agents.isolation is rlimits"

    def test_every_protection_is_explained(self) -> None:
        assert all(isinstance(text, str) and text for text in PROTECTIONS.values())
        assert set(PROTECTIONS) >= OFF_UNDER_RLIMITS


class TestChoose:
    """bubblewrap when it starts, an error when it is required and cannot, never when not asked."""

    def test_bubblewrap_required_but_not_installed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(isolation_module.shutil, "which", lambda name: None)
        with pytest.raises(IsolationUnavailable, match="bubblewrap is not installed"):
            choose("bubblewrap", Limits())

    def test_auto_without_bubblewrap_falls_back_and_says_why(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(isolation_module.shutil, "which", lambda name: None)
        chosen = choose("auto", Limits())
        assert chosen.mechanism == "rlimits"
        assert chosen.reason is not None and "not installed" in chosen.reason
        assert set(chosen.off) == OFF_UNDER_RLIMITS

    def test_a_bubblewrap_that_fails_to_start(self, monkeypatch: pytest.MonkeyPatch) -> None:
        failing = shutil.which("false")
        assert failing is not None
        monkeypatch.setattr(isolation_module.shutil, "which", lambda name: failing)
        chosen = choose("auto", Limits())
        assert chosen.mechanism == "rlimits"
        assert chosen.reason is not None and chosen.reason.startswith("bubblewrap failed")
        with pytest.raises(IsolationUnavailable, match="bubblewrap failed"):
            choose("bubblewrap", Limits())

    def test_not_linux(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(isolation_module.sys, "platform", "darwin")
        chosen = choose("auto", Limits())
        assert chosen.mechanism == "rlimits"
        assert chosen.reason == "bubblewrap needs Linux (this is darwin)"

    def test_rlimits_never_probes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def no_probe(*args: Any) -> str:
            raise AssertionError("bubblewrap was probed")

        monkeypatch.setattr(isolation_module, "_probe", no_probe)
        monkeypatch.setattr(isolation_module.shutil, "which", lambda name: "/usr/bin/bwrap")
        assert choose("rlimits", Limits()).mechanism == "rlimits"


class TestBubblewrapCommand:
    """The command line gives the worker nothing of the host's."""

    @pytest.fixture
    def words(self) -> list[str]:
        return list(bubblewrap_prefix("/usr/bin/bwrap", Limits(scratch_mb=8)))

    @pytest.mark.parametrize(
        "option",
        [
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
        ],
    )
    def test_has(self, words: list[str], option: str) -> None:
        assert option in words

    def test_drops_capabilities_and_becomes_nobody(self, words: list[str]) -> None:
        assert words[words.index("--cap-drop") + 1] == "ALL"
        assert words[words.index("--uid") + 1] == "65534"
        assert words[words.index("--gid") + 1] == "65534"

    def test_environment_is_only_the_workers(self, words: list[str]) -> None:
        names = {words[i + 1] for i, word in enumerate(words) if word == "--setenv"}
        assert names == set(worker_environment(SCRATCH))

    def test_scratch_is_a_sized_tmpfs(self, words: list[str]) -> None:
        assert words[words.index("--chdir") + 1] == SCRATCH
        sizes = [words[i + 1] for i, word in enumerate(words) if word == "--size"]
        assert sizes == [str(8 * 1024 * 1024)] * 2

    def test_ends_the_options(self, words: list[str]) -> None:
        assert words[-1] == "--"
        assert "--bind" not in words  # nothing of the host is writable


# -- containment --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def probe_executor(isolation: Isolation) -> Iterator[SandboxExecutor]:
    executor = SandboxExecutor(("os", "socket"), limits=Limits(wall_s=5), isolation=isolation, agent="probe")
    yield executor
    executor.cleanup()


@pytest.fixture
def probe(probe_executor: SandboxExecutor) -> SandboxExecutor:
    """A fresh run of the probe executor."""
    probe_executor.send_tools({})
    probe_executor.send_variables({})
    return probe_executor


def contained(executor: SandboxExecutor) -> bool:
    return executor.isolation.mechanism == "bubblewrap"


class TestContainment:
    """bubblewrap blocks each probe; rlimits, which says the protection is off, does not."""

    def test_network(self, probe: SandboxExecutor) -> None:
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            listener.settimeout(0.3)
            port = listener.getsockname()[1]
            code = (
                "import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n"
                f"    s.connect(('127.0.0.1', {port}))\n    r = 'connected'\n"
                "except Exception as e:\n    r = 'failed: ' + str(e)\ns.close()\nr"
            )
            outcome = probe(code).output
            try:
                listener.accept()[0].close()
                reached = True
            except TimeoutError:
                reached = False
        if contained(probe):
            assert outcome.startswith("failed"), outcome
            assert not reached
        else:
            assert outcome == "connected"
            assert reached

    def test_host_files(self, probe: SandboxExecutor, tmp_path: Path) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("the host's secret")
        code = (
            f"import os\n{EXISTS}path = {str(secret)!r}\nseen = exists(path)\ntry:\n"
            "    fd = os.open(path, os.O_RDONLY)\n    data = os.read(fd, 100).decode()\n    os.close(fd)\n"
            "except Exception as e:\n    data = 'unreadable'\n[seen, data]"
        )
        seen, data = probe(code).output
        if contained(probe):
            assert (seen, data) == (False, "unreadable")
        elif os.getuid() == 0:  # a bare worker started as root became nobody: root's files are closed
            assert (seen, data) == (False, "unreadable")  # pytest's tmp_path is root's, mode 0700
        else:
            assert (seen, data) == (True, "the host's secret")

    def test_the_host_tree_beyond_python_is_not_there(self, probe: SandboxExecutor) -> None:
        checkout = Path(__file__).resolve().parents[2]  # the test checkout (not the orchestra package)
        host_paths = [
            str(checkout / "tests"),
            str(checkout / "pyproject.toml"),
            "/etc/passwd",
            "/etc/hostname",
        ]
        existing = [path for path in host_paths if os.path.exists(path)]
        assert existing
        seen = probe(f"import os\n{EXISTS}[p for p in {existing!r} if exists(p)]").output
        assert seen == ([] if contained(probe) else existing)

    def test_writes_stay_in_the_sandbox(self, probe: SandboxExecutor) -> None:
        name = f"/tmp/orchestra-probe-{uuid.uuid4().hex}"
        code = (
            f"import os\n{EXISTS}fd = os.open({name!r}, os.O_CREAT | os.O_WRONLY)\nos.write(fd, b'written')\n"
            f"os.close(fd)\nfd = os.open('here.txt', os.O_CREAT | os.O_WRONLY)\nos.close(fd)\n"
            f"fd = os.open({name!r}, os.O_RDONLY)\ndata = os.read(fd, 10).decode()\nos.close(fd)\n"
            "[data, os.getcwd(), exists('here.txt')]"
        )
        try:
            data, cwd, here = probe(code).output
            on_host = os.path.exists(name)
        finally:
            if os.path.exists(name):
                os.remove(name)
        assert data == "written"  # the write worked, somewhere
        assert here
        if contained(probe):
            assert not on_host
            assert cwd.startswith(SCRATCH + "/")
            assert not os.path.exists(cwd)
        else:
            assert on_host

    def test_system_files_are_read_only(self, probe: SandboxExecutor) -> None:
        if not contained(probe):
            pytest.skip("under rlimits a write to /usr would reach the host")
        code = (
            "import os\ntry:\n    os.open('/usr/orchestra-probe', os.O_CREAT | os.O_WRONLY)\n    r = 'wrote'\n"
            "except Exception as e:\n    r = str(e)\nr"
        )
        outcome = probe(code).output
        assert outcome != "wrote"
        assert "Read-only" in outcome or "denied" in outcome
        assert not os.path.exists("/usr/orchestra-probe")

    def test_user(self, probe: SandboxExecutor) -> None:
        uid = probe("import os\nos.getuid()").output
        assert probe._worker is not None
        assert probe._worker.info is not None
        assert probe._worker.info["uid"] == uid
        if contained(probe) or os.getuid() == 0:  # bubblewrap's mapping, or root dropped to nobody
            assert uid == 65534
        else:
            assert uid == os.getuid()

    def test_other_processes(self, probe: SandboxExecutor) -> None:
        code = (
            "import os\nlines = []\nfor p in os.listdir('/proc'):\n    if p.isdigit():\n        try:\n"
            "            fd = os.open('/proc/' + p + '/cmdline', os.O_RDONLY)\n"
            "            lines.append(os.read(fd, 4096).decode(errors='replace'))\n            os.close(fd)\n"
            "        except Exception as e:\n            pass\n[len(lines), any('pytest' in line for line in lines)]"
        )
        count, sees_pytest = probe(code).output
        if contained(probe):
            assert not sees_pytest
            assert count < 20
        else:
            assert sees_pytest

    def test_hostname(self, probe: SandboxExecutor) -> None:
        name = probe("import socket\nsocket.gethostname()").output
        assert name == ("sandbox" if contained(probe) else socket.gethostname())


def test_the_zygote_runs_the_hosts_own_orchestra(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(
        Path(orchestra.__file__).parent, checkout / "orchestra", ignore=shutil.ignore_patterns("__pycache__")
    )
    marker = checkout / "orchestra" / "__init__.py"
    marker.write_text(marker.read_text() + "\nimport os as _os\n_os.environ['ORCHESTRA_CHECKOUT'] = 'copy'\n")
    script = textwrap.dedent(
        f"""
        import orchestra
        assert orchestra.__file__.startswith({str(checkout)!r}), orchestra.__file__
        from orchestra.sandbox import Limits, SandboxExecutor, choose
        executor = SandboxExecutor(("os",), limits=Limits(wall_s=10), isolation=choose("rlimits", Limits()))
        try:
            executor.send_tools({{}})
            executor.send_variables({{}})
            print(executor("import os\\nos.environ.get('ORCHESTRA_CHECKOUT')").output)
        except Exception as failure:
            print("failed:", failure)
        finally:
            executor.cleanup()
        """
    )
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(checkout)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "copy"
