"""An import killed with SIGKILL halfway leaves the database consistent; re-running completes it."""
import os
import signal
import subprocess
import time

import pytest

from engage.contacts.ingest import ingest_file
from engage.contacts.models import Contact, ImportRun, SourceRecord
from engage.contacts.sample import write_files
from engage.testing import engage_command, subprocess_env

from .conftest import clear, snapshot


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigkill_halfway_then_rerun_equals_a_clean_import(tmp_path):
    paths = write_files(tmp_path, phone_contacts=6000, digital_contacts=0, seed=11)
    config = tmp_path / "force.toml"
    config.write_text("[ingest]\nbatch_size = 200\nbulk_batch_size = 200\n")
    # Incidents first, so the killed calls import is also re-joining incidents to calls.
    ingest_file(paths["cc"], "cc", defer=True)
    total = sum(1 for line in paths["calls"].open() if ",in," in line)
    proc = subprocess.Popen([*engage_command(), "import", "--defer", "--source", "calls", str(paths["calls"])],
                            env=subprocess_env(ENGAGE_CONFIG=str(config)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        committed = SourceRecord.objects.filter(system="calls").count()
        if committed >= 600:  # a few batches in
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    in_db = SourceRecord.objects.filter(system="calls").count()
    assert 600 <= in_db < total  # killed halfway, after some batches were committed

    # Consistent: whole batches only, run counters agree with the rows, no orphan contacts.
    killed = ImportRun.objects.get(source="calls")
    assert killed.status == "running" and killed.rows_imported == in_db
    assert not Contact.objects.filter(sources=None).exists()

    rerun = ingest_file(paths["calls"], "calls", defer=True)
    assert (rerun.duplicate, rerun.imported) == (in_db, total - in_db)
    killed.refresh_from_db()
    assert killed.status == "failed" and "interrupted" in killed.message
    after_crash = snapshot()

    clear()
    ingest_file(paths["cc"], "cc", defer=True)
    ingest_file(paths["calls"], "calls", defer=True)
    assert snapshot() == after_crash
    assert SourceRecord.objects.filter(system="calls").count() == total


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigkill_during_a_one_pass_plan_then_rerun_equals_a_clean_import(tmp_path):
    """The plan (several files into an empty store) commits whole contacts; a rerun goes file by file."""
    from engage.contacts.ingest import ingest_files

    paths = write_files(tmp_path, phone_contacts=6000, digital_contacts=1500, seed=12)
    files = [(paths[source], source) for source in ("calls", "acd", "cc", "digital")]
    config = tmp_path / "force.toml"
    config.write_text("[ingest]\nbulk_batch_size = 100\n")
    proc = subprocess.Popen([*engage_command(), "import", "--defer", *(f"{s}={p}" for p, s in files)],
                            env=subprocess_env(ENGAGE_CONFIG=str(config)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if SourceRecord.objects.count() >= 1000:  # a few batches in
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    in_db = SourceRecord.objects.count()
    assert ImportRun.objects.filter(status="running").count() == 4  # killed during the plan's writes
    # Consistent: whole contacts only, each run's counter equal to its rows in the store.
    assert not Contact.objects.filter(sources=None).exists()
    for run in ImportRun.objects.all():
        assert run.rows_imported == SourceRecord.objects.filter(run=run).count()

    rerun = ingest_files(files, defer=True)  # the store is not empty: file by file, joining what is stored
    assert sum(r.duplicate for r in rerun) >= in_db
    after_crash = snapshot()

    clear()
    ingest_files(files, defer=True)
    assert snapshot() == after_crash
    assert not Contact.objects.filter(sources=None).exists()
    assert 1000 <= in_db < SourceRecord.objects.count()  # the kill did land halfway
