"""A throwaway PostgreSQL server for tests and benchmarks (Debian's postgresql package).

    python -m engage.testing.pgserver -- pytest -m postgres

starts a cluster in a temporary directory on 127.0.0.1, runs the command with
DATABASE_URL pointing at it, then stops and removes the cluster.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator


def _bin_dir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL is not installed: run `make system-deps` (apt-get install postgresql).")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Start a cluster; yield its DATABASE_URL; stop it on exit."""
    bindir = _bin_dir()
    tmp = tempfile.mkdtemp(prefix="engage-pg-")
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
        shutil.chown(data, "postgres")
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_postgres(cmd), check=True, capture_output=True)  # noqa: E731
    try:
        run([f"{bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run([f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(tmp, "log"), "-o", opts, "-w", "start"])
        subprocess.run(_as_postgres([f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "engage"]), check=True)
        yield f"postgres://postgres@127.0.0.1:{port}/engage"
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    with running_server() as url:
        env = dict(os.environ, DATABASE_URL=url)
        return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
