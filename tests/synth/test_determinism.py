"""Same seed, same files, byte for byte; another seed, other files."""
import datetime as dt

from engage.synth.force import generate

FILES = ("cc", "calls", "acd", "digital", "truth", "people")


def _bytes(out):
    return {name: (out / f"{name}.csv").read_bytes() for name in FILES}


def test_same_seed_gives_identical_files(tmp_path):
    a = generate(tmp_path / "a", 5, seed=11, scale=0.5)
    b = generate(tmp_path / "b", 5, seed=11, scale=0.5)
    files_a, files_b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    for name in FILES:
        assert files_a[name] == files_b[name], f"{name}.csv differs between two runs with the same seed"
    a.pop("seconds"), b.pop("seconds"), a.pop("out"), b.pop("out")
    assert a == b


def test_other_seed_gives_other_files(tmp_path):
    generate(tmp_path / "a", 5, seed=11, scale=0.5)
    generate(tmp_path / "c", 5, seed=12, scale=0.5)
    files_a, files_c = _bytes(tmp_path / "a"), _bytes(tmp_path / "c")
    assert all(files_a[name] != files_c[name] for name in FILES)


def test_start_date_moves_the_window(tmp_path):
    summary = generate(tmp_path / "s", 3, seed=1, start="2026-03-28", scale=0.3)
    assert (summary["start"], summary["end"]) == ("2026-03-28", "2026-03-30")
    valid = []
    for row in (tmp_path / "s" / "acd.csv").read_text().splitlines()[1:]:
        try:
            valid.append(dt.datetime.fromisoformat(row.split(",")[2]))
        except ValueError:
            continue  # an injected bad date
    # Europe/London days: opens at midnight GMT on 28 March, closes at midnight BST on
    # 31 March (the clocks go forward on the 29th).
    assert min(valid) >= dt.datetime(2026, 3, 28, tzinfo=dt.timezone.utc)
    assert max(valid) < dt.datetime(2026, 3, 30, 23, tzinfo=dt.timezone.utc)


def test_same_files_across_processes_with_different_hash_seeds(tmp_path):
    """No set or dict ordering leaks into the files: two processes, two hash seeds."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    engage = str(Path(sys.executable).with_name("engage"))
    for name, hash_seed in (("p1", "1"), ("p2", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([engage, "synth", "--days", "2", "--scale", "0.3", "--seed", "5", "--out",
                        str(tmp_path / name), "--json"], check=True, env=env, capture_output=True)
    assert _bytes(tmp_path / "p1") == _bytes(tmp_path / "p2")
