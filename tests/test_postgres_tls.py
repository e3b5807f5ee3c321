"""TLS to PostgreSQL as DATABASE_URL says: `sslmode=require` encrypts every connection of the store (its pool and
its LISTEN connection) and `disable` none; `verify-full` with the server's CA connects, and with another CA is
refused at start-up."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from interview_server.protocol import Update
from interview_server.store.postgres import LISTENER_NAME, PostgresStore

from .support.postgres_server import PostgresServer
from .test_store_contract import record

pytestmark = pytest.mark.system


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (readable by PostgreSQL's user when run as root)."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    key.chmod(0o600)
    if os.geteuid() == 0:
        for path in (folder, cert, key):
            shutil.chown(path, "postgres", "postgres")
    return cert, key


@pytest.fixture(scope="module")
def tls_postgres():
    folder = Path(tempfile.mkdtemp(prefix="interview-pg-tls-"))  # outside pytest's folders, which only root may enter
    cert, key = self_signed(folder, "server")
    other_ca, _ = self_signed(folder, "other")
    server = PostgresServer({"ssl": "on", "ssl_cert_file": str(cert), "ssl_key_file": str(key)})
    yield server, cert, other_ca
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def connections(server: PostgresServer) -> list[list[str]]:
    """[application_name, ssl ("t"/"f")] of every client connection but psql's own."""
    rows = server.psql(
        "SELECT a.application_name, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
        " WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() ORDER BY 1;"
    )
    return [row.rsplit("|", 1) for row in rows.splitlines()]


@pytest.mark.parametrize("mode, encrypted", [("require", "t"), ("disable", "f")])
async def test_sslmode_of_the_url_decides_for_the_pool_and_the_listen_connection(tls_postgres, mode, encrypted):
    server, _, _ = tls_postgres
    store = PostgresStore(f"{server.url}?sslmode={mode}")
    await store.open()
    try:
        await store.create(record(f"tls-{mode}", "x"))
        assert await store.append(f"tls-{mode}", 0, [Update("c", [1, [0, "y"]], 1.0)], lambda: "xy")
        ours = connections(server)
        assert any(name == LISTENER_NAME for name, _ in ours), ours
        assert len(ours) >= 3 and all(ssl == encrypted for _, ssl in ours), ours  # two pooled and the listener
    finally:
        await store.close()


async def test_verify_full_checks_the_servers_certificate(tls_postgres):
    server, cert, other_ca = tls_postgres
    trusted = PostgresStore(f"{server.url}?sslmode=verify-full&sslrootcert={cert}")
    await trusted.open()
    try:
        await trusted.create(record("tls-2", "verified"))
        assert (await trusted.get("tls-2")).text == "verified"
    finally:
        await trusted.close()
    impostor_check = PostgresStore(f"{server.url}?sslmode=verify-full&sslrootcert={other_ca}")
    with pytest.raises(Exception, match="(?i)certificate"):
        await impostor_check.open()
