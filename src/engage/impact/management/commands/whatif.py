"""`engage whatif --reduce-repeat-demand 50 [--roster FILE]`: service levels if repeat demand fell."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    # A data command: the system checks would load every app's URLs and API (about 0.5 s
    # of each run) and concern none of it (`engage check` runs them).
    requires_system_checks = []
    help = (
        "Simulate the 999 and 101 queues (SimPy) over the latest days of ACD data with a roster fitted to the observed "
        "answer times (baseline), then with a share of repeat callers' calls removed and/or another roster (scenario). "
        "Roster file: CSV with columns hour,999,101 (24 rows) or TOML with \"999\" and \"101\" lists of 24 handler counts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reduce-repeat-demand", type=float, default=0.0, metavar="PCT",
                            help="percentage (0-100) of repeat callers' calls to remove")
        parser.add_argument("--roster", metavar="FILE", help="scenario roster (CSV hour,999,101 or TOML)")
        parser.add_argument("--days", type=int, default=7, help="days of data to replay (default 7)")
        parser.add_argument("--fit", choices=["simulate", "erlang"], default="simulate",
                            help="baseline roster: fitted by simulation to observed service (default) or Erlang C for the target")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **opts) -> None:
        from engage.impact.demand import read_roster, whatif

        pct = opts["reduce_repeat_demand"]
        if not 0 <= pct <= 100:
            raise CommandError(f"--reduce-repeat-demand: {pct} is not a percentage between 0 and 100")
        if opts["days"] < 1:
            raise CommandError("--days must be at least 1")
        roster = None
        if opts["roster"]:
            try:
                roster = read_roster(opts["roster"])
            except ValueError as exc:
                raise CommandError(f"--roster: {exc}") from None
        try:
            result = whatif(reduce_repeat=pct, roster=roster, days=opts["days"], seed=opts["seed"], fit=opts["fit"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(result, indent=2, default=str))
            return
        from rich.console import Console
        from rich.table import Table

        console = Console(file=self.stdout)
        table = Table(title=f"What if: {pct:g}% fewer repeat-caller calls ({result['period']})")
        for col in ("Line", "Target", "Observed", "Baseline (sim)", "Scenario", "Mean wait base → scen", "Abandoned base → scen",
                    "Calls removed", "Handler hours freed"):
            table.add_column(col, justify="right")
        for line, d in result["lines"].items():
            b, s, o = d["baseline"], d["scenario"], d["observed"]
            table.add_row(
                line, f"{100 * d['target']:.0f}% in {d['threshold']} s", _pct(o["service_level"]), _pct(b["service_level"]),
                _pct(s["service_level"]), f"{_f(b['mean_wait'])} → {_f(s['mean_wait'])} s", f"{b['abandoned']} → {s['abandoned']}",
                str(d["calls_removed"]), f"{d['talk_hours_removed']:.1f}",
            )
        console.print(table)
        console.print("Baseline roster (handlers by hour): " + "; ".join(
            f"{line}: {' '.join(map(str, d['baseline_roster']))}" for line, d in result["lines"].items()))


def _pct(v) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _f(v) -> str:
    return "–" if v is None else f"{v:.1f}"
