"""Impact: before/after per intervened caller, repeat callers' share of demand, difference-in-differences.

Handling time of a contact = queue seconds + talk seconds (missing = 0). Windows are
whole days before and after a reference day, in Europe/London; the reference day itself
belongs to "after". Definitions and limits: docs/reports.md, "Impact".
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import connection
from django.db.models import Min

from engage.config import section
from engage.contacts.models import Contact
from engage.service.aggregate import force_tz, month_bounds
from engage.service.levels import months_back

UTC = dt.timezone.utc


def windows() -> list[int]:
    return [int(w) for w in section("impact").get("windows_days", [28, 90])]


def first_interventions() -> dict[int, dt.date]:
    """caller id -> the started_on of that caller's first intervention (over all their cases)."""
    from engage.cases.models import Intervention

    rows = Intervention.objects.values("case__caller_id").annotate(first=Min("started_on")).values_list("case__caller_id", "first")
    return {c: d for c, d in rows if c is not None}


def first_episodes() -> dict[int, dt.datetime]:
    """caller id -> the last contact of that caller's first (not dismissed) episode: when they were found."""
    from engage.detection.models import Episode

    rows = (
        Episode.objects.filter(caller__isnull=False)
        .exclude(status=Episode.Status.DISMISSED)
        .values("caller_id")
        .annotate(first=Min("last_contact_at"))
        .values_list("caller_id", "first")
    )
    return dict(rows)


def data_span() -> tuple[dt.date, dt.date] | None:
    """First and last local day with contacts (two index lookups: one MIN and one MAX each
    use the arrival index, where a single query asking for both scans it)."""
    first = Contact.objects.order_by("arrived_at").values_list("arrived_at", flat=True).first()
    if first is None:
        return None
    last = Contact.objects.order_by("-arrived_at").values_list("arrived_at", flat=True).first()
    tz = force_tz()
    return first.astimezone(tz).date(), last.astimezone(tz).date()


def _day_param() -> str:
    """A date parameter in SQL (typed on PostgreSQL; SQLite compares ISO text)."""
    return "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"


def window_sums(refs: dict[int, dt.date], days: list[int]) -> dict[int, list[float]]:
    """caller -> per window in `days`: [contacts before, handling s before, contacts after,
    handling s after], the windows being the `w` local days before the reference day and
    the `w` days from it. Summed in SQL over the per-caller daily aggregate."""
    from engage.service.models import ServiceCallerDay

    table, p = ServiceCallerDay._meta.db_table, _day_param()
    bounds = ", ".join(f"lo{w}, hi{w}" for w in days)
    sums = []
    for w in days:
        for cond in (f"d.day >= r.lo{w} AND d.day < r.ref", f"d.day >= r.ref AND d.day < r.hi{w}"):
            sums += [f"SUM(CASE WHEN {cond} THEN d.contacts ELSE 0 END)", f"SUM(CASE WHEN {cond} THEN d.handling_sum ELSE 0 END)"]
    width, biggest = 4 + 2 * len(days), max(days)
    out: dict[int, list[float]] = {}
    items = sorted(refs.items())
    for i in range(0, len(items), 500):
        chunk = items[i : i + 500]
        params: list = []
        for caller, ref in chunk:
            params += [caller, ref, ref - dt.timedelta(days=biggest), ref + dt.timedelta(days=biggest)]
            for w in days:
                params += [ref - dt.timedelta(days=w), ref + dt.timedelta(days=w)]
        row = "(%s, " + ", ".join([p] * (width - 1)) + ")"
        sql = (f"WITH r(caller_id, ref, lo, hi, {bounds}) AS (VALUES {', '.join([row] * len(chunk))}) "
               f"SELECT r.caller_id, {', '.join(sums)} FROM r JOIN {table} d ON d.caller_id = r.caller_id "
               f"AND d.day >= r.lo AND d.day < r.hi GROUP BY r.caller_id")
        with connection.cursor() as cur:
            cur.execute(sql, params)
            out.update((caller, [float(v or 0) for v in values]) for caller, *values in cur.fetchall())
    return out


def before_after(refs: dict[int, dt.date], span: tuple[dt.date, dt.date] | None = None,
                 days: list[int] | None = None) -> dict[int, dict]:
    """Per window (`days`, default the configured ones): rows (one per caller, with whether
    the whole window lies inside the data) and totals over the complete ones."""
    from engage.service.aggregate import refresh

    span = span or data_span()
    days = days or windows()
    out: dict[int, dict] = {}
    if not refs or span is None:
        return {w: {"callers": 0, "rows": [], "totals": {}} for w in days}
    refresh()
    sums = window_sums(refs, days)
    for k, w in enumerate(days):
        rows = []
        for caller, ref in sorted(refs.items()):
            complete = ref - dt.timedelta(days=w) >= span[0] and ref + dt.timedelta(days=w - 1) <= span[1]
            cb, hb, ca, ha = sums.get(caller, [0.0] * (4 * len(days)))[4 * k : 4 * k + 4]
            rows.append({"caller": caller, "reference": ref, "complete": complete, "contacts_before": int(cb),
                         "hours_before": hb / 3600, "contacts_after": int(ca), "hours_after": ha / 3600})
        done = [r for r in rows if r["complete"]]
        totals = {k: sum(r[k] for r in done) for k in ("contacts_before", "contacts_after", "hours_before", "hours_after")}
        out[w] = {"callers": len(done), "incomplete": len(rows) - len(done), "rows": rows, "totals": totals}
    return out


def intervened_before_after() -> dict[int, dict]:
    return before_after(first_interventions())


def repeat_share_by_month(last_month: str, count: int = 12) -> list[dict]:
    """Month by month: all contacts and handler hours, and the share from repeat callers.

    Repeat callers = callers with at least one episode not dismissed (as of now); all
    their contacts in the month count, before or after they were found. Totals come from
    the service aggregate; the repeat callers' part from the per-caller daily aggregate.
    """
    from django.db.models import F, Sum

    from engage.detection.models import Episode
    from engage.service.aggregate import ensure_month
    from engage.service.models import ServiceCallerDay, ServiceMonth

    months = months_back(last_month, count)
    ensure_month(last_month)
    totals = {
        m: (n or 0, (hs or 0.0) / 3600)
        for m, n, hs in ServiceMonth.objects.filter(month__in=months)
        .values("month")
        .annotate(n=Sum("contacts"), hs=Sum(F("handling_sum")))
        .values_list("month", "n", "hs")
    }
    table, ep, p = ServiceCallerDay._meta.db_table, Episode._meta.db_table, _day_param()
    # One range sum per month: a GROUP BY over every row of the year costs more than the scans.
    sql = (
        f"SELECT SUM(d.contacts), SUM(d.handling_sum) FROM "
        f"(SELECT DISTINCT caller_id FROM {ep} WHERE caller_id IS NOT NULL AND status <> %s) e "
        f"JOIN {table} d ON d.caller_id = e.caller_id AND d.day >= {p} AND d.day <= {p}"
    )
    repeat = {}
    with connection.cursor() as cur:
        for m in months:
            cur.execute(sql, [Episode.Status.DISMISSED, *month_bounds(m)])
            n, h = cur.fetchone()
            repeat[m] = (n or 0, (h or 0.0) / 3600)
    rows = []
    for m in months:
        n, hours = totals.get(m, (0, 0.0))
        rn, rh = repeat.get(m, (0, 0.0))
        rows.append({"month": m, "contacts": n, "handler_hours": hours, "repeat_contacts": rn, "repeat_hours": rh,
                     "contact_share": rn / n if n else None, "hours_share": rh / hours if hours else None})
    return rows


def did_estimate(window: int | None = None, samples: int | None = None, seed: int | None = None) -> dict:
    """Difference in differences: intervened repeat callers vs repeat callers not (yet) intervened in.

    Treated: reference = first intervention. Comparison: repeat callers with no intervention
    up to the end of their window; reference = when they were found (first episode's last
    contact) plus the median delay from being found to the first intervention among the
    treated, so both groups are measured at the same stage. Per caller: change = after -
    before (contacts; handler hours). Estimate = mean change (treated) - mean change
    (comparison); 95% interval from a bootstrap over callers within each group.
    """
    cfg = section("impact")
    window = window or windows()[0]
    samples = samples or int(cfg.get("bootstrap_samples", 2000))
    seed = int(cfg.get("bootstrap_seed", 7) if seed is None else seed)
    span = data_span()
    treated_refs = first_interventions()
    found = first_episodes()
    tz = force_tz()
    lags = sorted((treated_refs[c] - found[c].astimezone(tz).date()).days for c in treated_refs if c in found)
    lag = lags[len(lags) // 2] if lags else 0
    lag = max(0, lag)
    control_refs = {}
    for caller, when in found.items():
        ref = when.astimezone(tz).date() + dt.timedelta(days=lag)
        first_iv = treated_refs.get(caller)
        if first_iv is not None and first_iv <= ref + dt.timedelta(days=window):
            continue  # intervened in before or during its own window: not a comparison
        control_refs[caller] = ref
    result = {"window_days": window, "lag_days": lag, "samples": samples}
    groups = {}
    for name, refs in (("treated", {c: d for c, d in treated_refs.items()}), ("comparison", control_refs)):
        rows = [r for r in before_after(refs, span, [window])[window]["rows"] if r["complete"]] if refs else []
        groups[name] = {
            "contacts": np.array([r["contacts_after"] - r["contacts_before"] for r in rows], dtype=float),
            "hours": np.array([r["hours_after"] - r["hours_before"] for r in rows], dtype=float),
            "before": np.array([r["contacts_before"] for r in rows], dtype=float),
            "after": np.array([r["contacts_after"] for r in rows], dtype=float),
        }
        result[name] = {
            "callers": len(rows),
            "mean_contacts_before": float(groups[name]["before"].mean()) if rows else None,
            "mean_contacts_after": float(groups[name]["after"].mean()) if rows else None,
            "mean_change_contacts": float(groups[name]["contacts"].mean()) if rows else None,
            "mean_change_hours": float(groups[name]["hours"].mean()) if rows else None,
        }
    t, c = groups["treated"], groups["comparison"]
    if len(t["contacts"]) < 2 or len(c["contacts"]) < 2:
        result.update(estimate_contacts=None, ci_contacts=None, estimate_hours=None, ci_hours=None,
                      note="too few callers with complete windows in one of the groups for an estimate")
        return result
    rng = np.random.default_rng(seed)
    ti = rng.integers(0, len(t["contacts"]), size=(samples, len(t["contacts"])))
    ci = rng.integers(0, len(c["contacts"]), size=(samples, len(c["contacts"])))
    for key in ("contacts", "hours"):
        est = float(t[key].mean() - c[key].mean())
        boot = t[key][ti].mean(axis=1) - c[key][ci].mean(axis=1)
        lo, hi = np.percentile(boot, [2.5, 97.5])
        result[f"estimate_{key}"] = est
        result[f"ci_{key}"] = [float(lo), float(hi)]
    result["note"] = ""
    return result


LIMITS = (
    "What this can show: how contact from intervened callers changed after their first "
    "intervention, against how it changed, over the same stage, for repeat callers not "
    "(yet) intervened in. What it cannot show: that the intervention caused the change. "
    "Repeat callers are found at a peak, and peaks fall back of their own accord "
    "(regression to the mean); the comparison group is measured from the same stage to "
    "allow for that, but callers chosen for intervention may differ from those not chosen "
    "(selection: more vulnerable, more persistent, or easier to help), and with few callers "
    "the interval is wide. Contact moving to another channel or another agency is not seen."
)
