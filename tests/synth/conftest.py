"""One small synthetic force (14 days, seed 7) shared by the synth tests."""
import csv
from pathlib import Path

import pytest

from engage.synth.force import generate

DAYS = 14


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


class Force:
    def __init__(self, out: Path, summary: dict):
        self.out = out
        self.summary = summary
        self.days = summary["days"]
        self._cache: dict[str, list[dict]] = {}

    def rows(self, name: str) -> list[dict]:
        if name not in self._cache:
            self._cache[name] = read(self.out / f"{name}.csv")
        return self._cache[name]

    def truth(self, source: str) -> list[dict]:
        """truth.csv rows of one source, in that file's row order."""
        return [t for t in self.rows("truth") if t["source"] == source]

    def clean(self, source: str) -> list[tuple[dict, dict]]:
        """(row, truth) pairs of a source file, malformed rows left out."""
        return [(r, t) for r, t in zip(self.rows(source), self.truth(source)) if not t["malformed"]]


@pytest.fixture(scope="session")
def force(tmp_path_factory) -> Force:
    out = tmp_path_factory.mktemp("synth")
    return Force(out, generate(out, DAYS, seed=7))
