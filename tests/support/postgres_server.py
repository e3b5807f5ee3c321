"""A real PostgreSQL cluster in a temp folder on a free port, created, started and removed by the tests."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .server_process import free_port


def postgres_bin_dir() -> Path:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/NN/bin (newest first)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent  # a link to the real bin folder, which also has psql
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]), reverse=True)
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `apt-get install postgresql` (.ci/run does it)")
    return Path(found[0]).parent


class PostgresServer:
    """One cluster (trust authentication, loopback only) for a whole test run; `url` reaches its database."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.bin = postgres_bin_dir()
        self.dir = Path(tempfile.mkdtemp(prefix="interview-pg-"))
        # initdb refuses to run as root: then the cluster belongs to the `postgres` user.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self._run(self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.settings = {"listen_addresses": "127.0.0.1", "max_connections": "200", **(settings or {})}
        # Another process (a parallel test worker) may bind the chosen port first: then try another.
        for _attempt in range(3):
            self.port = free_port()
            if self._start():
                self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
                return
        why = self.log_tail()
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start:\n{why}")

    def _run(self, *args, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self._as, *map(str, args)], check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def _start(self) -> bool:
        options = f"-p {self.port} -k {self.dir} " + " ".join(f"-c {k}={v}" for k, v in self.settings.items())
        started = self._run(
            self.bin / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.dir / "log",
            "-w",
            "-t",
            "30",
            "-o",
            options,
            "start",
            check=False,
        )
        return started.returncode == 0

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join((self.dir / "log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def reset(self) -> None:
        """An empty database: every table (and the schema version) dropped, so the next store migrates afresh;
        connections left by an earlier test are ended first."""
        self.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = 'postgres' AND pid <> pg_backend_pid() AND backend_type = 'client backend';"
            " DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        )

    def psql(self, sql: str) -> str:
        """Run SQL through psql (as the superuser); its output, unaligned."""
        result = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
             "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return result.stdout

    def kill(self) -> None:
        """SIGKILL the server and every backend at once, as a crash or a lost machine would: the next start
        recovers from the write-ahead log."""
        processes = self._processes()
        for pid in processes:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _wait_gone(processes[0])
        # A killed postmaster may stay a zombie (an init that does not reap it): PostgreSQL would take its pid for
        # a live server and refuse to start. Dead is dead: the lock files go, as after a machine restart.
        for lock in (self.data / "postmaster.pid", self.dir / f".s.PGSQL.{self.port}.lock"):
            lock.unlink(missing_ok=True)

    def pause(self) -> None:
        """SIGSTOP the server and its backends: connections hang unanswered, as with a lost network."""
        self._paused = self._processes()
        for pid in self._paused:
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT what `pause` stopped."""
        for pid in self._paused:
            os.kill(pid, signal.SIGCONT)

    def _processes(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        return [postmaster, *_children(postmaster)]

    def shut_down(self) -> None:
        """A clean shutdown (pg_ctl stop -m fast: sessions ended, a checkpoint written); data kept."""
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """Start again on the same port and data (after kill or shut_down)."""
        if not self._start():
            raise RuntimeError(f"PostgreSQL did not start again:\n{self.log_tail()}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:  # the field after the state is the parent's pid
            found.append(int(entry))
    return found


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}").exists() else ""
        if stat and stat.rsplit(")", 1)[1].split()[0] == "Z":  # a zombie: dead, waiting for its parent
            return
        time.sleep(0.02)
