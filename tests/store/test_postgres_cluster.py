"""The throwaway PostgreSQL server the PostgreSQL store tests run on (issue 14): real, local, private."""

from __future__ import annotations

import socket

import psycopg

from tests.postgres_cluster import Cluster


def test_the_cluster_serves_sql_on_loopback(postgres: Cluster) -> None:
    with psycopg.connect(host=postgres.host, port=postgres.port, user=postgres.user, dbname=postgres.database) as db:
        version = db.execute("SHOW server_version").fetchone()
        db.execute("CREATE TABLE probe (mind text NOT NULL, note text)")
        db.execute("INSERT INTO probe VALUES (%s, %s), (%s, %s)", ("a", "one", "b", "two"))
        assert db.execute("SELECT note FROM probe WHERE mind = %s", ("a",)).fetchall() == [("one",)]
        listening = db.execute("SHOW listen_addresses").fetchone()
    assert version is not None and int(version[0].split(".")[0]) >= 13
    assert listening == ("127.0.0.1",)
    assert postgres.url().startswith(f"postgresql+psycopg://{postgres.user}@127.0.0.1:{postgres.port}/")


def test_the_cluster_is_not_reachable_off_loopback(postgres: Cluster) -> None:
    """Bound to 127.0.0.1 only: the machine's other addresses refuse the port."""
    others = {
        info[4][0]
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        if not info[4][0].startswith("127.")
    }
    for address in others:
        with socket.socket() as probe:
            probe.settimeout(1)
            assert probe.connect_ex((address, postgres.port)) != 0, address
