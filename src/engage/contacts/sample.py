"""A small, fast generator of canonical source files, for importer tests and benchmarks.

Not the synthetic force (that is engage.synth, with people and ground truth): this only
makes rows with the shapes and join cases the importer must handle (calls with and
without ACD/C&C rows, withheld CLIs, outbound calls, two calls close together,
incidents with no call, digital contacts joined to incidents by reference).
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from engage.contacts.formats import COLUMNS


def _ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def generate_rows(phone_contacts: int, digital_contacts: int, seed: int = 1, start: str = "2025-01-06") -> dict[str, list[dict]]:
    """Rows per source (canonical column names), in time order."""
    rng = random.Random(seed)
    numbers = [f"07700 9{rng.randrange(100000):05d}" for _ in range(max(10, phone_contacts // 4))]
    numbers += [f"01632 96{rng.randrange(10000):04d}" for _ in range(max(5, phone_contacts // 20))]
    t = dt.datetime.fromisoformat(start)
    out: dict[str, list[dict]] = {s: [] for s in COLUMNS}
    incident = 0
    for i in range(phone_contacts):
        t += dt.timedelta(seconds=rng.randint(1, 90))
        line = "999" if rng.random() < 0.4 else "101"
        roll = rng.random()
        cli = "withheld" if roll < 0.04 else ("" if roll < 0.06 else rng.choice(numbers))
        if rng.random() < 0.01 and out["calls"]:
            cli = out["calls"][-1]["cli"]  # a second call close behind the first from the same number
        outbound = rng.random() < 0.02
        call_id = f"T{seed}-{i:07d}"
        talk = rng.randint(30, 900)
        queue = rng.randint(0, 20 if line == "999" else 60)
        arrived = t - dt.timedelta(seconds=queue)
        abandoned = not outbound and rng.random() < 0.03
        ended = t + dt.timedelta(seconds=0 if abandoned else talk)
        out["calls"].append({"call_id": call_id, "started_at": _ts(t), "ended_at": _ts(ended), "direction": "out" if outbound else "in",
                             "line": line, "cli": cli, "handler_id": f"H{rng.randrange(120):03d}"})
        if outbound:
            continue
        if rng.random() < 0.97:  # a few calls are missing from the ACD log
            out["acd"].append({
                "call_id": call_id, "line": line, "arrived_at": _ts(arrived), "answered_at": "" if abandoned else _ts(t),
                "ended_at": _ts(ended), "abandoned": "Y" if abandoned else "N", "queue_seconds": str(queue),
                "talk_seconds": "0" if abandoned else str(talk), "handler_id": "" if abandoned else f"H{rng.randrange(120):03d}",
            })
        if not abandoned and rng.random() < 0.75:
            incident += 1
            created = t + dt.timedelta(seconds=rng.randint(20, 600))
            phone = cli.replace(" ", "") if rng.random() < 0.5 else cli
            out["cc"].append(_incident(rng, incident, created, line, phone))
    # Incidents with no call behind them (raised by a handler from another source).
    for _ in range(phone_contacts // 40):
        incident += 1
        created = dt.datetime.fromisoformat(start) + dt.timedelta(seconds=rng.randint(0, max(1, phone_contacts * 45)))
        out["cc"].append(_incident(rng, incident, created, rng.choice(["999", "101"]), rng.choice(numbers)))
    t = dt.datetime.fromisoformat(start)
    for i in range(digital_contacts):
        t += dt.timedelta(seconds=rng.randint(1, 120))
        channel = rng.choices(["webchat", "online", "social"], [0.8, 0.12, 0.08])[0]
        ref = ""
        if rng.random() < 0.3:
            incident += 1
            ref = f"INC-{incident:08d}"
            inc = _incident(rng, incident, t + dt.timedelta(seconds=rng.randint(60, 1800)), channel, "")
            out["cc"].append(inc)
        out["digital"].append({
            "contact_id": f"D{seed}-{i:07d}", "channel": channel, "started_at": _ts(t), "name": f"Person {rng.randrange(5000)}",
            "phone": rng.choice(numbers) if rng.random() < 0.3 else "", "email": f"p{rng.randrange(5000)}@example.org",
            "handle": f"@h{rng.randrange(900)}" if channel == "social" else "", "subject": rng.choice(["Noise", "Theft", "Concern"]),
            "reference": ref,
        })
    out["cc"].sort(key=lambda r: r["created_at"])
    return out


def _incident(rng: random.Random, n: int, created: dt.datetime, source: str, phone: str) -> dict:
    return {
        "incident_number": f"INC-{n:08d}", "created_at": _ts(created), "source": source,
        "caller_name": f"Person {rng.randrange(5000)}", "caller_phone": phone,
        "caller_address": f"{rng.randint(1, 200)} High Street, Cambridge", "caller_postcode": "CB1 1AA",
        "location": f"{rng.randint(1, 200)} Mill Road, Cambridge", "opening_code": rng.choice(["ASB", "CONCERN", "THEFT", "DOMESTIC"]),
        "grade": rng.choice(["1", "2", "3", "4"]), "closing_code": rng.choice(["NFA", "ADVICE", "CRIME"]), "narrative": "Synthetic.",
    }


def write_files(out_dir: str | Path, phone_contacts: int, digital_contacts: int, seed: int = 1) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for source, rows in generate_rows(phone_contacts, digital_contacts, seed).items():
        path = paths[source] = out_dir / f"{source}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS[source])
            writer.writeheader()
            writer.writerows(rows)
    return paths
