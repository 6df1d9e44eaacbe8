"""Ingestion: ~1 million synthetic contacts (all four sources) into SQLite and PostgreSQL.

    .venv/bin/python -m bench ingest

Generates the files with `engage.synth.force.generate` (cached under
var/bench/), then, in fresh child processes (`engage migrate`, then one
`engage import --defer calls=FILE acd=FILE cc=FILE digital=FILE`, as an operator would
load a force's exports, which on an empty store is one set-wise plan: docs/formats.md,
"One-pass plan"; BENCH_INGEST_PER_FILE=1 runs one `engage import` per file instead):
  - a fresh SQLite database file;
  - a throwaway PostgreSQL server (engage.testing.pgserver, COPY path);
and, in the same run on the same files, DuckDB's `read_csv` of them as the raw-parsing
baseline. Prints rows/s, elapsed, peak RSS of the importing processes and the ratio.
Environment: BENCH_INGEST_DAYS (default 90), BENCH_INGEST_SCALE (default 5.8: about
1M contacts), BENCH_INGEST_SKIP_PG=1 to skip PostgreSQL, BENCH_INGEST_SKIP_SQLITE=1 to skip
SQLite, BENCH_INGEST_PER_FILE=1 (above).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SOURCES = ("calls", "acd", "cc", "digital")  # the order `make demo` uses


def _files(days: int, scale: float) -> tuple[Path, int]:
    out = Path("var/bench") / f"ingest-d{days}-s{scale}"
    stamp = out / "summary.json"
    if not stamp.exists():
        from engage.synth.force import generate

        print(f"generating {days} days at scale {scale} into {out} ...", flush=True)
        started = time.perf_counter()
        summary = generate(out, days=days, seed=7, scale=scale)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
        stamp.write_text(json.dumps(summary, default=str))
    summary = json.loads(stamp.read_text())
    return out, int(summary.get("contacts", 0))


def _engage(args: list[str], url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="engage.settings")
    return subprocess.run([sys.executable, "-m", "engage.cli", *args], env=env, capture_output=True, text=True, check=True)


def _peak_children_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _import_all(folder: Path, url: str) -> dict:
    _engage(["migrate", "-v", "0"], url)
    cpu = _children_cpu()
    started = time.perf_counter()
    per_source, rows = {}, 0
    if os.environ.get("BENCH_INGEST_PER_FILE") == "1":
        runs = [[f"{source}={folder / f'{source}.csv'}"] for source in SOURCES]
    else:
        runs = [[f"{source}={folder / f'{source}.csv'}" for source in SOURCES]]
    for files in runs:
        for out in json.loads(_engage(["import", "--defer", "--json", *files], url).stdout):
            per_source[out["source"]] = round(out["seconds"], 1)
            rows += out["read"]
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu  # the importing processes' own CPU time (the database server's not included)
    contacts = json.loads(_engage(["summary", "--json"], url).stdout)["contacts"]
    return {"seconds": elapsed, "rows": rows, "contacts": contacts, "per_source": per_source, "cpu": cpu}


def _duckdb(folder: Path) -> tuple[float, int]:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    rows = 0
    for source in SOURCES:
        path = str(folder / f"{source}.csv")
        rows += con.execute("SELECT count(*) FROM read_csv(?, header = true, all_varchar = true, ignore_errors = true)", [path]).fetchall()[0][0]
    return time.perf_counter() - started, rows


def main() -> None:
    days = int(os.environ.get("BENCH_INGEST_DAYS", "90"))
    scale = float(os.environ.get("BENCH_INGEST_SCALE", "5.8"))
    folder, expected = _files(days, scale)
    size = sum((folder / f"{s}.csv").stat().st_size for s in SOURCES) / 2**20
    print(f"files: {folder} ({size:.0f} MiB; synth says {expected:,} contacts)", flush=True)
    duck_s, duck_rows = _duckdb(folder)
    results = {}
    peak_sqlite = 0.0
    if os.environ.get("BENCH_INGEST_SKIP_SQLITE") != "1":
        with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
            results["SQLite"] = _import_all(folder, f"sqlite:///{tmp}/bench.sqlite3")
            peak_sqlite = _peak_children_mib()
    if os.environ.get("BENCH_INGEST_SKIP_PG") != "1":
        from engage.testing.pgserver import running_server

        with running_server() as url:
            results["PostgreSQL"] = _import_all(folder, url)
    peak = _peak_children_mib()
    load = os.getloadavg()[0]
    print(f"\nDuckDB read_csv baseline: {duck_rows:,} rows in {duck_s:.2f} s ({duck_rows / duck_s:,.0f} rows/s)")
    print(f"{'database':<11} {'rows':>10} {'contacts':>10} {'seconds':>8} {'cpu s':>8} {'rows/s':>9} {'vs DuckDB':>10}  "
          "per source (s, in-process)")
    for name, r in results.items():
        parts = r["per_source"]
        # A one-pass plan reports its whole time for every file: say so once.
        inside = f"one plan {next(iter(parts.values()))}" if len(set(parts.values())) == 1 and len(parts) > 1 else parts
        print(f"{name:<11} {r['rows']:>10,} {r['contacts']:>10,} {r['seconds']:>8.1f} {r['cpu']:>8.1f} {r['rows'] / r['seconds']:>9,.0f} "
              f"{r['seconds'] / duck_s:>9.1f}x  {inside}")
    print(f"peak RSS of an importing process: {peak_sqlite:,.0f} MiB (SQLite run), {peak:,.0f} MiB (all runs)")
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} cores (a shared machine inflates wall times)")


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engage.settings")
    django.setup()
    main()
