"""Online crime reports recorded within 24 hours (docs/reports.md, "Online reports").

The importer joins an online report (a `digital` row on the online channel) and the
C&C incident whose number the report gives as its reference into one contact, keeping
each source row's own time (SourceRecord.at). A report is *recorded within 24 h* when
its contact has a C&C source row created at most 24 h after the digital row. A report
with no C&C row is not recorded (yet). Contacts on the online channel with a C&C row but
no digital row (the report itself was not exported) have no report time: they are
counted apart and left out of the share. The month is the contact's arrival month.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from engage.config import section
from engage.contacts.models import Channel, SourceRecord
from engage.service.aggregate import local_day_bounds, month_bounds


def recorded_within(month: str) -> dict:
    hours = float(section("service").get("online_report_recorded_hours", 24))
    limit = dt.timedelta(hours=hours)
    start, end = local_day_bounds(*month_bounds(month))
    times: dict[int, dict[str, dt.datetime | None]] = defaultdict(dict)
    rows = SourceRecord.objects.filter(
        contact__channel=Channel.ONLINE_REPORT, contact__arrived_at__gte=start, contact__arrived_at__lt=end,
        system__in=["digital", "cc"],
    ).values_list("contact_id", "system", "at", "contact__arrived_at")
    for cid, system, at, arrived in rows:
        earliest = times[cid].get(system)
        at = at or arrived
        if earliest is None or at < earliest:
            times[cid][system] = at
    within = late = missing = incident_only = 0
    for cid, t in times.items():
        report, incident = t.get("digital"), t.get("cc")
        if report is None:
            incident_only += 1
        elif incident is None:
            missing += 1
        elif incident - report <= limit:
            within += 1
        else:
            late += 1
    reports = within + late + missing
    return {
        "month": month, "hours": hours, "reports": reports, "recorded_within": within, "recorded_late": late,
        "not_recorded": missing, "incident_without_report_row": incident_only,
        "share": within / reports if reports else None,
    }

