"""`make bench`: run every bench/bench_*.py (or those named: `python -m bench ingest detection`).

Each module's `main()` prints its figures beside a baseline measured in the same run.
"""
import importlib
import os
import pkgutil
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engage.settings")


def main(names: list[str]) -> int:
    here = os.path.dirname(__file__)
    modules = sorted(m.name for m in pkgutil.iter_modules([here]) if m.name.startswith("bench_"))
    if names:
        modules = [m for m in modules if m.removeprefix("bench_") in names]
    django.setup()
    for name in modules:
        print(f"\n=== {name.removeprefix('bench_')} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
