"""Flag API latency under load, beside the same server's constant /api/ping.

    .venv/bin/python -m bench flags            # 500 req/s for 60 s (issue 4 target)
    .venv/bin/python -m bench.bench_flags --quick   # 5 s, smaller force, for development
    .venv/bin/python -m bench.bench_flags --server granian,gunicorn --import-nice 10   # see --help

1. A fresh SQLite database (var/bench-flags/) is migrated and populated with a synthetic
   force: callers on Ofcom drama-range numbers with a heavy-tailed number of contacts over
   90 days, repeat callers with cases (guidance, risk), episodes and authorised call blocks.
2. A production server serves Engage (engage.wsgi) on 127.0.0.1: granian (WSGI), one
   worker with two threads, as docs/operations.md deploys the flag API; or gunicorn
   (gthread) for comparison, or both in turn on the same database.
3. A concurrent import runs for the whole measurement: the live-feed importer
   (engage.contacts.ingest.ingest_rows, with identity and detection receivers), flat out,
   at the server's CPU priority unless --import-nice says otherwise (the report says which),
   in a session of its own as a separate job or service would run (--import-session shared
   runs it in the server's session: one Linux autogroup, docs/operations.md).
4. An open-loop load generator in a separate process (asyncio Protocols on raw HTTP/1.1
   keep-alive connections, kept cheap because it shares the machine with the server)
   sends GET /api/flags/{number} at a fixed rate (flagged, known-unflagged and unknown
   numbers in several formats) and GET /api/ping at a tenth of that rate. Latency is
   measured from each request's *scheduled* send time, so a server stall shows up in the
   figures instead of silently slowing the generator (no coordinated omission).
5. After the server stops, every successful flag lookup must have its audit row.
The server's and the generator's CPU time per request are reported: they depend much
less than latency on what else the machine is doing (contention still inflates them). So
are the time the server's threads waited for a CPU and how late the generator itself woke
for its sends: on a shared machine they say how much of the tail is CPU scheduling.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

# Ofcom ranges reserved for drama: never a real person's number (DOMAIN.md).
DRAMA_RANGES = [
    "07700900{:03d}", "01632960{:03d}", "01134960{:03d}", "01144960{:03d}", "01154960{:03d}",
    "01164960{:03d}", "01174960{:03d}", "01184960{:03d}", "01214960{:03d}", "01314960{:03d}",
    "01414960{:03d}", "01514960{:03d}", "01614960{:03d}", "02079460{:03d}", "01914980{:03d}",
    "02920180{:03d}",
]


# ---------------------------------------------------------------- populate (child process)

def populate(out: Path, callers: int, contacts: int, seed: int = 7) -> None:
    """Write the synthetic force straight into the database; the number mix goes to out."""
    import datetime as dt

    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from engage.accounts.models import ApiKey
    from engage.cases.models import CallBlock, Case
    from engage.contacts.models import Contact
    from engage.detection.models import Episode
    from engage.identity.models import Caller

    rng = random.Random(seed)
    numbers = [r.format(i) for r in DRAMA_RANGES for i in range(1000)]
    rng.shuffle(numbers)
    e164 = lambda n: "+44" + n[1:]  # noqa: E731
    known, unknown = numbers[:callers], numbers[callers:callers + 2000]
    now = timezone.now()
    with transaction.atomic():
        objs = Caller.objects.bulk_create(
            [Caller(display_name=f"Caller {i}", primary_number=e164(n), postcode="CB1 1AA") for i, n in enumerate(known)],
            batch_size=2000,
        )
    ids = [c.pk for c in objs]
    # Heavy tail: a few hundred repeat callers make a large share of contacts.
    repeaters = set(rng.sample(range(callers), k=min(400, callers // 10)))
    weights = [60.0 if i in repeaters else 1.0 for i in range(callers)]
    picks = rng.choices(range(callers), weights=weights, k=contacts)
    batch = []
    for n, i in enumerate(picks):
        arrived = now - dt.timedelta(seconds=rng.uniform(0, 90 * 86400))
        batch.append(Contact(
            channel=rng.choice(["999", "101", "101"]), arrived_at=arrived, phone_raw=known[i], phone_e164=e164(known[i]),
            phone_status="present", name=f"Caller {i}", address=f"{i} High Street, Cambridge", caller_id=ids[i],
        ))
        if len(batch) == 5000:
            Contact.objects.bulk_create(batch)
            batch = []
    Contact.objects.bulk_create(batch)
    rep = sorted(repeaters)
    flagged_idx = rep[: len(rep) * 3 // 4]
    with transaction.atomic():
        for k, i in enumerate(flagged_idx):
            case = Case.objects.create(
                caller_id=ids[i], status=["open", "referred", "monitoring"][k % 3], triage="vulnerable",
                guidance="Known repeat caller: check welfare, follow response plan.", risk_level=["low", "medium", "high"][k % 3],
            )
            if k % 10 == 0:
                CallBlock.objects.create(case=case, target_kind="number", target=e164(known[i]), rationale="bench",
                                         status="authorised", decided_at=now, expires_on=(now + dt.timedelta(days=30)).date())
        for i in rep[len(rep) * 3 // 4:]:
            end = now - dt.timedelta(days=rng.uniform(0, 10))
            Episode.objects.create(caller_id=ids[i], rule="five_in_a_day", window_start=end - dt.timedelta(hours=20),
                                   window_end=end, first_contact_at=end - dt.timedelta(hours=20), last_contact_at=end,
                                   contact_count=5)
    ApiKey.objects.filter(name="bench").delete()
    _, key = ApiKey.issue("bench", can_read_flags=True, can_push_contacts=True)
    unflagged = [known[i] for i in range(callers) if i not in repeaters]
    out.write_text(json.dumps({
        "key": key,
        "flagged": [known[i] for i in flagged_idx],
        "unflagged": unflagged[:5000],
        "unknown": unknown,
        "contacts": Contact.objects.count(),
        "callers": callers,
    }))


# ---------------------------------------------------------------- concurrent import (child)

def import_loop(seconds: float, out: Path, nice: int = 0, policy: str = "normal", cpus: str = "") -> None:
    """Import new calls flat out for `seconds` through the live-feed importer (validation,
    identity and detection on every batch), at CPU priority `nice` and scheduling `policy`
    ("normal", or "idle": Linux SCHED_IDLE, as `chrt --idle 0` or systemd's
    CPUSchedulingPolicy=idle run it); write rows/s to out."""
    import datetime as dt

    import django

    if nice:
        os.nice(nice)  # as a deployment would run a batch import below the live service
    if policy == "idle":
        # Any runnable normal task preempts a SCHED_IDLE one at once, whatever its nice:
        # nice only sets CPU shares, not how soon a waking server thread gets the core.
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    if cpus:  # as systemd's CPUAffinity= keeps a batch job off the cores left to the live service
        os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
    django.setup()
    from django.utils import timezone

    from engage.contacts.ingest import ingest_rows

    rng = random.Random(11)
    deadline = time.monotonic() + seconds
    rows_done, batch_no = 0, 0
    started = time.monotonic()
    while time.monotonic() < deadline:
        batch_no += 1
        now = timezone.now()
        rows = []
        for k in range(500):
            start = now - dt.timedelta(seconds=rng.uniform(0, 3600))
            rows.append({
                "call_id": f"bench-{os.getpid()}-{batch_no}-{k}", "started_at": start.isoformat(),
                "ended_at": (start + dt.timedelta(seconds=120)).isoformat(), "direction": "in",
                "line": rng.choice(["999", "101"]), "handler_id": "H1",
                "cli": DRAMA_RANGES[rng.randrange(len(DRAMA_RANGES))].format(rng.randrange(1000)),
            })
        ingest_rows("calls", rows, file_name="bench-import", defer=False)
        rows_done += len(rows)
    elapsed = time.monotonic() - started
    out.write_text(json.dumps({"rows": rows_done, "seconds": elapsed, "nice": nice, "policy": policy, "cpus": cpus,
                               "importer": "ingest_rows (live-feed importer)"}))


# ---------------------------------------------------------------- load generator (child)

async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    if headers.get("connection", "").lower() == "close":
        raise ConnectionResetError("server closed")
    return status


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection of the open-loop generator: one request in flight,
    the response parsed from raw bytes (a Protocol, not streams: the generator shares the
    machine with the server, so it must cost as little CPU per request as possible)."""

    def __init__(self, gen: "_OpenLoop") -> None:
        self.gen, self.transport, self.item, self.sent_at, self.buffer = gen, None, None, 0.0, b""

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.gen.ready(self)

    def send(self, item: tuple[float, bytes, str]) -> None:
        self.item, self.sent_at, self.buffer = item, self.gen.loop.time(), b""
        self.transport.write(item[1])

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.item is None:
            return
        head = self.buffer[:end].decode("latin-1").lower()
        status = int(head[9:12])
        length = head.find("content-length:")
        if length >= 0:
            line_end = head.find("\r\n", length)
            size = int(head[length + 15:line_end if line_end >= 0 else None])
            if len(self.buffer) < end + 4 + size:
                return
        elif "transfer-encoding: chunked" in head:
            if not self.buffer.endswith(b"0\r\n\r\n"):
                return
        item, self.item = self.item, None
        self.gen.done(self, item, status, close="connection: close" in head)

    def connection_lost(self, exc) -> None:
        self.transport = None
        self.gen.lost(self)


class _OpenLoop:
    """Sends each request at its scheduled time on an idle connection (or as soon as one is
    free: waiting for a connection is part of the latency) and records, per request, the
    time from its *scheduled* send to its answer (no coordinated omission)."""

    def __init__(self, port: int, schedule: list[tuple[float, bytes, str]], connections: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.port, self.schedule, self.connections = port, schedule, connections
        self.idle: collections.deque = collections.deque()
        self.waiting: collections.deque = collections.deque()
        self.busy: set = set()
        self.results: list[tuple[str, float, int, float]] = []  # kind, latency, status, scheduled at (s)
        self.finished = self.loop.create_future()
        self.next = 0
        self.t0 = 0.0
        self.lateness: list[float] = []  # generator wake-up delays (s): its own share of the latency

    async def run(self, grace: float, timeout: float = 10.0) -> list[tuple[str, float, int]]:
        for _ in range(self.connections):
            await self.loop.create_connection(lambda: _Connection(self), "127.0.0.1", self.port)
        self.t0 = self.loop.time() + 0.3
        self.loop.call_at(self.t0, self._tick)
        self._watch(timeout)
        horizon = (self.schedule[-1][0] if self.schedule else 0) + 0.3 + grace
        try:
            await asyncio.wait_for(asyncio.shield(self.finished), timeout=horizon)
        except asyncio.TimeoutError:
            pass  # the server fell behind: what was not answered in time counts as an error
        if not self.finished.done():
            self.finished.set_result(None)  # no reconnecting from here on
        for conn in list(self.idle) + list(self.busy):
            if conn.transport is not None:
                conn.transport.close()
        return self.results

    def _tick(self) -> None:
        """Release every request whose time has come, then sleep until the next one."""
        now = self.loop.time()
        if self.next < len(self.schedule):  # how late the generator itself woke up for this send
            self.lateness.append(now - self.t0 - self.schedule[self.next][0])
        while self.next < len(self.schedule) and self.t0 + self.schedule[self.next][0] <= now:
            offset, request, kind = self.schedule[self.next]
            self.next += 1
            self._dispatch((self.t0 + offset, request, kind))
        if self.next < len(self.schedule):
            self.loop.call_at(self.t0 + self.schedule[self.next][0], self._tick)

    def _dispatch(self, item: tuple[float, bytes, str]) -> None:
        if self.idle:
            conn = self.idle.popleft()
            self.busy.add(conn)
            conn.send(item)
        else:
            self.waiting.append(item)

    def ready(self, conn: _Connection) -> None:
        if self.waiting:
            self.busy.add(conn)
            conn.send(self.waiting.popleft())
        else:
            self.idle.append(conn)

    def done(self, conn: _Connection, item: tuple[float, bytes, str], status: int, close: bool = False) -> None:
        self.results.append((item[2], self.loop.time() - item[0], status, item[0] - self.t0))
        self.busy.discard(conn)
        if len(self.results) == len(self.schedule) and not self.finished.done():
            self.finished.set_result(None)
        if close:
            conn.transport.close()
        else:
            self.ready(conn)

    def lost(self, conn: _Connection) -> None:
        """A dropped connection: its request (if any) is an error; open a replacement."""
        self.busy.discard(conn)
        if conn in self.idle:
            self.idle.remove(conn)
        if conn.item is not None:
            item, conn.item = conn.item, None
            self.done_error(item)
        if not self.finished.done():
            self.loop.create_task(self._reconnect())

    def done_error(self, item: tuple[float, bytes, str]) -> None:
        self.results.append((item[2], self.loop.time() - item[0], 0, item[0] - self.t0))
        if len(self.results) == len(self.schedule) and not self.finished.done():
            self.finished.set_result(None)

    async def _reconnect(self) -> None:
        try:
            await self.loop.create_connection(lambda: _Connection(self), "127.0.0.1", self.port)
        except OSError:
            self.loop.call_later(0.1, lambda: self.loop.create_task(self._reconnect()))

    def _watch(self, timeout: float) -> None:
        """A request unanswered for `timeout` s: an error, and its connection is dropped."""
        now = self.loop.time()
        for conn in list(self.busy):
            if conn.item is not None and now - conn.sent_at > timeout and conn.transport is not None:
                conn.transport.abort()
        if not self.finished.done():
            self.loop.call_later(0.5, self._watch, timeout)


async def _load(port: int, schedule: list[tuple[float, str, str]], key: str, connections: int, tag: str,
                grace: float = 15.0) -> tuple[list[tuple[str, float, int, float]], list[float], float]:
    """Send the schedule open-loop; stop `grace` s after the last send time. A request not
    answered by then is missing from the results and counted as an error by the caller."""
    requests = [(offset, (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {key}\r\n"
                          f"X-Purpose: {tag}\r\n\r\n").encode(), kind) for offset, path, kind in schedule]
    gen = _OpenLoop(port, requests, connections)
    results = await gen.run(grace)
    return results, gen.lateness, gen.t0


def load(port: int, numbers_file: Path, rate: float, seconds: float, out: Path, tag: str) -> None:
    data = json.loads(numbers_file.read_text())
    rng = random.Random(3)
    formats = [lambda n: n, lambda n: "+44" + n[1:], lambda n: n[:5] + " " + n[5:], lambda n: "0044" + n[1:]]
    schedule = []
    n_flags = int(rate * seconds)
    for i in range(n_flags):
        pool = rng.choices(["flagged", "unflagged", "unknown"], weights=[3, 4, 3])[0]
        number = rng.choice(formats)(rng.choice(data[pool]))
        schedule.append((i / rate, "/api/flags/" + quote(number, safe=""), "flags"))
    ping_rate = rate / 10
    for i in range(int(ping_rate * seconds)):
        schedule.append(((i + 0.5) / ping_rate, "/api/ping", "ping"))
    schedule.sort()
    cpu = time.process_time()
    results, lateness, t0 = asyncio.run(_load(port, schedule, data["key"], connections=64, tag=tag))
    lateness = sorted(x * 1000 for x in lateness)
    scheduled = {"flags": sum(1 for r in schedule if r[2] == "flags"), "ping": sum(1 for r in schedule if r[2] == "ping")}
    out.write_text(json.dumps({"scheduled": scheduled, "results": results, "cpu_seconds": time.process_time() - cpu,
                               "t0_monotonic": t0,  # the schedule's origin, on the machine's monotonic clock
                               "lateness_ms": {"p50": _percentile(lateness, 50), "p99": _percentile(lateness, 99),
                                               "max": lateness[-1] if lateness else float("nan")}}))


# ---------------------------------------------------------------- orchestration (main)

SERVERS = ("granian", "gunicorn")
# The WSGI application served; BENCH_FLAGS_APP names a wrapper of it for a diagnosis run,
# found on the caller's PYTHONPATH (--timing serves timed_application, below).
APP = os.environ.get("BENCH_FLAGS_APP", "engage.wsgi:application")
TIMED_APP = "bench.bench_flags:timed_application"
_timings: list[tuple[float, float, float]] = []


def timed_application(environ: dict, start_response):
    """engage.wsgi.application, timing each request inside the server process (--timing):
    start (monotonic clock), wall and thread CPU seconds; written at the worker's exit to
    $BENCH_FLAGS_TIMING.<pid>.json. Set apart from the end-to-end latency, it says whether a
    slow request was slow in the application or waiting outside it."""
    from engage.wsgi import application  # imported on first use: the bench's other processes don't load Engage

    if not _timings:
        import multiprocessing.util

        multiprocessing.util.Finalize(None, _write_timings, exitpriority=20)  # granian's workers skip atexit
    started, cpu = time.perf_counter(), time.thread_time()
    try:
        return application(environ, start_response)
    finally:
        _timings.append((started, time.perf_counter() - started, time.thread_time() - cpu))


def _write_timings() -> None:
    Path(f"{os.environ['BENCH_FLAGS_TIMING']}.{os.getpid()}.json").write_text(json.dumps(_timings))


def _timing_summary(prefix: Path) -> dict:
    rows = [r for f in prefix.parent.glob(prefix.name + ".*.json") for r in json.loads(f.read_text())]
    wall = sorted(r[1] * 1000 for r in rows)
    cpu = sorted(r[2] * 1000 for r in rows)
    return {"requests": len(rows), **{f"wall_{p}": _percentile(wall, float(p.replace("_", "."))) for p in ("50", "99", "99_9")},
            **{f"cpu_{p}": _percentile(cpu, float(p.replace("_", "."))) for p in ("50", "99", "99_9")}}
WORKERS, THREADS = 1, 2  # the flag API's own server process (docs/operations.md)


def _server_command(server: str, port: int, workers: int, threads: int, app: str = APP) -> list[str]:
    """The production server's command line: granian (Rust HTTP, WSGI) or gunicorn (gthread)."""
    binary = str(Path(PY).with_name(server))
    if server == "granian":
        return [binary, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                "--blocking-threads", str(threads), "--log-level", "warning", "--no-access-log",
                app]
    return [binary, app, "-b", f"127.0.0.1:{port}", "-k", "gthread", "-w", str(workers),
            "--threads", str(threads), "--keep-alive", "75", "--log-level", "warning", "--graceful-timeout", "10",
            "--preload"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /api/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def _server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server's processes (contention-independent cost)."""
    import psutil

    main = psutil.Process(pid)
    total = 0.0
    for child in [main, *main.children(recursive=True)]:
        try:
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _server_waits(pid: int) -> dict[str, float]:
    """Seconds the server's threads have spent so far runnable but not running (waiting for
    a CPU: /proc/<pid>/task/<tid>/schedstat, second field) and on the CPU (first field).

    Waiting for a CPU is what a busy machine adds to a request; a lock or I/O wait is not
    in it. Threads that already ended are not counted (the server's live for the run)."""
    import psutil

    totals = {"run_queue": 0.0, "on_cpu": 0.0}
    main = psutil.Process(pid)
    for proc in [main, *main.children(recursive=True)]:
        for task in Path(f"/proc/{proc.pid}/task").glob("*"):
            try:
                on_cpu, waiting, _ = (int(x) for x in (task / "schedstat").read_text().split())
            except (OSError, ValueError):
                continue
            totals["run_queue"] += waiting / 1e9
            totals["on_cpu"] += on_cpu / 1e9
    return totals


def _warm_up(port: int, info: dict, seconds: float = 3.0) -> None:
    """Each worker loads the URLconf and opens its caches on its first requests: do that
    before the measured run (a closed loop over several connections, not measured)."""
    numbers = (info["flagged"][:50] + info["unflagged"][:50] + info["unknown"][:50])

    async def one_connection(k: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        deadline = time.monotonic() + seconds
        i = k
        while time.monotonic() < deadline:
            path = "/api/flags/" + numbers[i % len(numbers)] if i % 5 else "/api/ping"
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {info['key']}\r\n\r\n".encode())
            await _read_response(reader)
            i += 7
        writer.close()

    async def all_connections() -> None:
        await asyncio.gather(*(one_connection(k) for k in range(16)))

    asyncio.run(all_connections())


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def _summary(load: dict, kind: str, seconds: float) -> dict:
    rows = [r for r in load["results"] if r[0] == kind]
    ok = sorted(r[1] * 1000 for r in rows if r[2] == 200)
    sent = load["scheduled"][kind]
    return {
        "requests": sent, "errors": sent - len(ok), "unanswered": sent - len(rows), "rate": sent / seconds,
        "p50": _percentile(ok, 50), "p99": _percentile(ok, 99), "p999": _percentile(ok, 99.9),
        "max": ok[-1] if ok else float("nan"), "mean": statistics.fmean(ok) if ok else float("nan"),
    }


def _child(mode: str, env: dict, *args: str, own_session: bool = False) -> subprocess.Popen:
    return subprocess.Popen([PY, "-m", "bench.bench_flags", mode, *args], env=env, cwd=ROOT,
                            start_new_session=own_session)


def run(quick: bool = False, seconds: float | None = None, rate: float = 500, workers: int = WORKERS, threads: int = THREADS,
        callers: int | None = None, contacts: int | None = None, concurrent_import: bool = True,
        reuse: bool = False, server_name: str = "granian", import_nice: int = 0, import_policy: str = "normal",
        import_cpus: str = "", import_session: str = "own", timing: bool = False) -> dict:
    seconds = seconds or (5 if quick else 60)
    callers = callers or (3000 if quick else 12000)
    contacts = contacts or (30000 if quick else 250000)
    work = ROOT / "var" / "bench-flags"
    numbers = work / "numbers.json"
    same = reuse and numbers.exists() and json.loads(numbers.read_text()).get("callers") == callers
    if not same:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work / 'engage.sqlite3'}", DJANGO_SETTINGS_MODULE="engage.settings",
               ENGAGE_VAR=str(work), PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("ENGAGE_DEBUG", None)
    timing_prefix = work / "timing"
    if timing:
        for old_file in work.glob("timing.*.json"):
            old_file.unlink()
        env["BENCH_FLAGS_TIMING"] = str(timing_prefix)
    t = time.perf_counter()
    if not same:
        subprocess.run([PY, "-m", "engage.cli", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([PY, "-m", "bench.bench_flags", "populate", str(numbers), str(callers), str(contacts)],
                       env=env, check=True, cwd=ROOT)
    tag = f"benchmark {int(time.time())}"
    info = json.loads(numbers.read_text())
    print(f"force: {info['callers']} callers, {info['contacts']} contacts, {len(info['flagged'])} flagged callers "
          f"(set up in {time.perf_counter() - t:.0f} s)", flush=True)

    port = _free_port()
    server = subprocess.Popen(_server_command(server_name, port, workers, threads, TIMED_APP if timing else APP),
                              env=env, cwd=ROOT)
    importer = loader = None
    try:
        _wait_for(port)
        _warm_up(port, info)
        if concurrent_import:
            importer = _child("import-loop", env, str(seconds + 2), str(work / "import.json"), str(import_nice),
                              import_policy, import_cpus, own_session=import_session == "own")
            time.sleep(1.0)  # the import is under way before the first measured request
        load_before = os.getloadavg()[0]
        cpu_before = _server_cpu(server.pid)
        waits_before = _server_waits(server.pid)
        loader = _child("load", env, str(port), str(numbers), str(rate), str(seconds), str(work / "load.json"), tag)
        loader.wait(timeout=seconds + 120)  # the generator stops itself 15 s after its last send
        load_after = os.getloadavg()[0]
        cpu_after = _server_cpu(server.pid)
        waits_after = _server_waits(server.pid)
    finally:
        if loader is not None and loader.poll() is None:
            loader.kill()
        server.send_signal(signal.SIGTERM)  # graceful: workers flush their audit buffers at exit
        server.wait(timeout=30)
        if importer is not None:
            importer.wait(timeout=seconds + 60)
    results = json.loads((work / "load.json").read_text())
    imported = json.loads((work / "import.json").read_text()) if concurrent_import else None
    audited = subprocess.run(
        [PY, "-c", "import django; django.setup(); from engage.accounts.models import AuditEvent as A; "
                   f"print(A.objects.filter(api_key__name='bench', action='lookup', purpose__startswith={tag!r}).count())"],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.strip()
    return {"seconds": seconds, "rate": rate, "workers": workers, "threads": threads, "flags": _summary(results, "flags", seconds),
            "ping": _summary(results, "ping", seconds), "import": imported, "audited": int(audited),
            "force": {k: v if isinstance(v, int) else len(v) for k, v in info.items() if k != "key"},
            "loadavg": [load_before, load_after], "cpus": os.cpu_count(), "server": server_name,
            "server_cpu_seconds": cpu_after - cpu_before, "loader_cpu_seconds": results["cpu_seconds"],
            "server_run_queue_seconds": waits_after["run_queue"] - waits_before["run_queue"],
            "generator_lateness_ms": results.get("lateness_ms"),
            "in_server": _timing_summary(timing_prefix) if timing else None}


def report(r: dict) -> None:
    f, p = r["flags"], r["ping"]
    print(f"{r['server']} engage.wsgi:application, {r['workers']} worker(s) x {r['threads']} thread(s); open-loop "
          f"{r['rate']:.0f} req/s flags + {r['rate'] / 10:.0f} req/s ping for {r['seconds']:.0f} s on 127.0.0.1")
    if r["import"]:
        i = r["import"]
        priority = (f"at nice {i['nice']}, a lower CPU priority than the server" if i["nice"]
                    else "at the same CPU priority as the server")
        if i.get("policy", "normal") != "normal":
            priority += f", scheduling policy SCHED_{i['policy'].upper()}"
        if i.get("cpus"):
            priority += f", on CPU(s) {i['cpus']} only"
        print(f"concurrent import: {i['importer']}, {i['rows']} rows in {i['seconds']:.0f} s "
              f"({i['rows'] / i['seconds']:.0f} rows/s), {priority}")
    print(f"machine: {r['cpus']} CPUs, 1-min load average {r['loadavg'][0]:.1f} before / {r['loadavg'][1]:.1f} after "
          f"the run (shared with other work: above {r['cpus']} means CPU contention)")
    print(f"{'endpoint':<22}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}{'max ms':>9}")
    for name, s in (("GET /api/flags/{n}", f), ("GET /api/ping", p)):
        print(f"{name:<22}{s['requests']:>9}{s['errors']:>8}{s['p50']:>9.2f}{s['p99']:>9.2f}{s['p999']:>10.2f}{s['max']:>9.1f}")
    print(f"ratio flags/ping: p50 {f['p50'] / p['p50']:.2f}x, p99 {f['p99'] / p['p99']:.2f}x")
    answered = f["requests"] - f["unanswered"] + p["requests"] - p["unanswered"]
    if answered:
        per = r["server_cpu_seconds"] * 1000 / answered
        print(f"server CPU: {r['server_cpu_seconds']:.1f} s for {answered} answered requests = {per:.2f} ms per request "
              f"(capacity about {r['cpus'] * 1000 / per:.0f} req/s on {r['cpus']} idle CPUs, before the import's share); "
              f"load generator {r['loader_cpu_seconds'] * 1000 / answered:.2f} ms per request")
        if r.get("server_run_queue_seconds") is not None:
            print(f"server threads waiting for a CPU (runnable, not running): {r['server_run_queue_seconds']:.2f} s = "
                  f"{r['server_run_queue_seconds'] * 1000 / answered:.2f} ms per request")
    t = r.get("in_server")
    if t:
        print(f"inside the server's application ({t['requests']} requests, warm-up included): wall p50 "
              f"{t['wall_50']:.2f} / p99 {t['wall_99']:.2f} / p99.9 {t['wall_99_9']:.2f} ms, CPU p50 {t['cpu_50']:.2f} / "
              f"p99 {t['cpu_99']:.2f} / p99.9 {t['cpu_99_9']:.2f} ms")
    late = r.get("generator_lateness_ms")
    if late:
        print(f"load generator woke late for its sends (its own share of the latency): p50 {late['p50']:.2f} ms, "
              f"p99 {late['p99']:.2f} ms, max {late['max']:.1f} ms")
    if f["unanswered"] or p["unanswered"]:
        print(f"not answered within 15 s of the last send (counted as errors): flags {f['unanswered']}, ping {p['unanswered']}")
    ok = f["requests"] - f["errors"]
    print(f"audit rows for the run's flag lookups: {r['audited']} of {ok} successful lookups")
    verdict = f["p99"] <= 10 and f["errors"] == 0 and r["audited"] >= ok
    print(f"target p99 <= 10 ms, 0 errors, every lookup audited: {'MET' if verdict else 'NOT MET'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_flags", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s and a smaller force, for development")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per worker")
    parser.add_argument("--no-import", action="store_true", help="no concurrent import (to see its effect)")
    parser.add_argument("--import-nice", type=int, default=0, metavar="N",
                        help="run the concurrent import at nice N (a lower CPU priority than the server)")
    parser.add_argument("--import-policy", choices=("normal", "idle"), default="normal",
                        help="the concurrent import's Linux scheduling policy (idle: SCHED_IDLE)")
    parser.add_argument("--import-cpus", default="", metavar="LIST",
                        help="CPUs the concurrent import may run on, e.g. 0 (Linux affinity; default: any)")
    parser.add_argument("--import-session", choices=("own", "shared"), default="own",
                        help="the concurrent import in a session of its own, as a separate job or service runs "
                             "(default), or in the server's session (one Linux autogroup: it eats the server's share)")
    parser.add_argument("--timing", action="store_true",
                        help="time each request inside the server too (a wrapper of engage.wsgi; diagnosis)")
    parser.add_argument("--server", default="granian",
                        help="granian, gunicorn, or both in turn on the same database: granian,gunicorn")
    parser.add_argument("--reuse", action="store_true", help="keep the populated database of the last run of this size")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv if argv is not None else [a for a in sys.argv[1:] if a.startswith("--")])
    servers = args.server.split(",")
    if not set(servers) <= set(SERVERS):
        parser.error(f"--server: one or more of {', '.join(SERVERS)}")
    for k, server in enumerate(servers):
        result = run(quick=args.quick, seconds=args.seconds, rate=args.rate, workers=args.workers, threads=args.threads,
                     concurrent_import=not args.no_import, reuse=args.reuse or k > 0, server_name=server,
                     import_nice=args.import_nice, import_policy=args.import_policy,
                     import_cpus=args.import_cpus, import_session=args.import_session,
                     timing=args.timing)
        print(json.dumps(result, indent=2)) if args.json else report(result)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "populate":
        populate(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "import-loop":
        import_loop(float(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:7])
    elif mode == "load":
        load(int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), Path(sys.argv[6]), sys.argv[7])
    else:
        main(sys.argv[1:])
