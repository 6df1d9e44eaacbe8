"""`engage synth`: JSON and table output, clear errors for bad input."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def test_json_summary_matches_the_files(tmp_path):
    out = StringIO()
    call_command("synth", "--days", "2", "--seed", "3", "--scale", "0.3", "--out", str(tmp_path), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    for name in ("cc", "calls", "acd", "digital", "truth", "people"):
        lines = (tmp_path / f"{name}.csv").read_text(encoding="utf-8").count("\n")
        assert summary["rows"][name] == lines - 1
    assert summary["days"] == 2 and summary["seed"] == 3
    assert set(summary["repeat_callers"]) == {"vulnerable", "targeted_victim", "nuisance"}
    assert summary["contacts"] == sum(summary["contacts_by_channel"].values())


def test_table_output(tmp_path):
    out = StringIO()
    call_command("synth", "--days", "1", "--scale", "0.3", "--out", str(tmp_path), stdout=out)
    text = out.getvalue()
    for heading in ("Rows per file", "Contacts by channel", "Repeat callers", "Malformed rows injected"):
        assert heading in text


@pytest.mark.parametrize("args, message", [
    (["--days", "0"], "--days"),
    (["--scale", "0"], "--scale"),
    (["--seed", "-1"], "--seed"),
    (["--start", "2026-13-01"], "--start"),
])
def test_bad_input_is_a_one_line_error(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("synth", "--out", str(tmp_path), *args)


def test_unwritable_out_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CommandError, match="--out"):
        call_command("synth", "--days", "1", "--scale", "0.1", "--out", str(blocker / "sub"))
