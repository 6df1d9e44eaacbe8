"""Online crime reports recorded within 24 hours (docs/reports.md, "Online reports").

An online report is a contact on the `online_report` channel. It is *recorded* when a
C&C incident exists for it: a contact carrying a C&C source record whose incident
number is the report's reference (or the report's own incident number, when the
importer joined the incident onto it). Recorded within 24 h: that incident's creation
time (the incident contact's arrival) is at most 24 h after the report arrived. A
report with no incident is counted as not recorded in time. When the incident was
joined onto the report's own contact, the contact's one arrival time is the earlier of
the two, so the gap is unknown: it is counted as recorded, and listed separately.
"""
from __future__ import annotations

import datetime as dt

from engage.config import section
from engage.contacts.models import Channel, Contact, SourceRecord
from engage.service.aggregate import local_day_bounds, month_bounds


def recorded_within(month: str) -> dict:
    hours = float(section("service").get("online_report_recorded_hours", 24))
    limit = dt.timedelta(hours=hours)
    start, end = local_day_bounds(*month_bounds(month))
    reports = list(
        Contact.objects.filter(channel=Channel.ONLINE_REPORT, arrived_at__gte=start, arrived_at__lt=end).values_list(
            "id", "arrived_at", "reference", "incident_number"
        )
    )
    keys = {r[2] for r in reports if r[2]} | {r[3] for r in reports if r[3]}
    # Incident contacts (with a C&C source row) by incident number; earliest creation wins.
    incidents: dict[str, tuple[int, dt.datetime]] = {}
    key_list = sorted(keys)
    for i in range(0, len(key_list), 900):
        cc_ids = SourceRecord.objects.filter(system="cc", contact__incident_number__in=key_list[i : i + 900]).values_list(
            "contact_id", flat=True
        )
        for cid, number, created in Contact.objects.filter(id__in=list(cc_ids)).values_list("id", "incident_number", "arrived_at"):
            if number not in incidents or created < incidents[number][1]:
                incidents[number] = (cid, created)
    within = late = missing = same_contact = 0
    for cid, arrived, reference, own_number in reports:
        match = incidents.get(reference) or incidents.get(own_number)
        if match is None:
            missing += 1
        elif match[0] == cid:
            same_contact += 1
            within += 1
        elif match[1] - arrived <= limit:
            within += 1
        else:
            late += 1
    total = len(reports)
    return {
        "month": month,
        "hours": hours,
        "reports": total,
        "recorded_within": within,
        "recorded_late": late,
        "not_recorded": missing,
        "joined_on_report": same_contact,
        "share": within / total if total else None,
    }
