"""Synthetic force generation: 90 days of a mid-sized force, and ~1 million contacts.

Each run is the real command (`engage synth`) in a subprocess, timed wall-clock with its
peak memory sampled. Baseline, measured in the same run on the same files: writing the
very same rows with csv.writer (the bare cost of producing that much CSV text), so the
ratio shows what modelling the force costs on top of writing it out.
"""
from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

FILES = ("cc", "calls", "acd", "digital", "truth", "people")
RUNS = (("90 days, scale 1", 90, 1.0), ("~1M contacts (90 days, scale 5.8)", 90, 5.8))


def _engage() -> str:
    return str(Path(sys.executable).with_name("engage"))


def _run(out: Path, days: int, scale: float) -> tuple[dict, float, float, float]:
    """(summary, wall seconds, CPU seconds, peak RSS MiB) of one `engage synth` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = psutil.Popen([_engage(), "synth", "--days", str(days), "--seed", "7", "--scale", str(scale),
                         "--out", str(out), "--json"], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, proc.memory_info().rss)
            except psutil.Error:
                break
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"engage synth failed ({proc.returncode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(stdout), seconds, cpu, peak / 2**20


def _bare_write_seconds(out: Path) -> float:
    """Time to write the same rows again with csv.writer (read untimed, one file at a time)."""
    total = 0.0
    with tempfile.TemporaryDirectory() as scratch:
        for name in FILES:
            with (out / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            started = time.perf_counter()
            with (Path(scratch) / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh, lineterminator="\n").writerows(rows)
            total += time.perf_counter() - started
            del rows
    return total


def main() -> None:
    print(f"{'run':<36}{'contacts':>11}{'rows':>11}{'MB':>6}{'gen s':>8}{'cpu s':>7}{'contacts/s':>12}"
          f"{'peak MiB':>10}{'bare write s':>14}{'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, days, scale in RUNS:
            out = Path(tmp) / label.split()[0]
            summary, seconds, cpu, peak = _run(out, days, scale)
            rows = sum(summary["rows"].values())
            size = sum((out / f"{name}.csv").stat().st_size for name in FILES) / 1e6
            bare = _bare_write_seconds(out)
            print(f"{label:<36}{summary['contacts']:>11,}{rows:>11,}{size:>6.0f}{seconds:>8.1f}{cpu:>7.1f}"
                  f"{summary['contacts'] / seconds:>12,.0f}{peak:>10.0f}{bare:>14.1f}{seconds / bare:>7.1f}",
                  flush=True)
    print("gen s: wall time of `engage synth` (process start included); cpu s: its user+system CPU;\n"
          "bare write s: csv.writer writing the same rows again; ratio = gen s / bare write s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
