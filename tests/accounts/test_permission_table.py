"""Every cell of the permission table (engage.accounts.permissions.PERMISSIONS), over HTTP.

Anonymous -> login page; a role outside the cell -> 403; a role inside -> the page or
the action's redirect. docs/security.md must list the same cells.
"""
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, get_resolver

from engage.accounts.models import Role
from engage.accounts.permissions import PERMISSIONS

# action -> (method, url, form data); {case}, {caller}, {episode}, {block} filled from the world.
REQUESTS = {
    "dashboard": ("get", "/", {}),
    "review.view": ("get", "/review/", {}),
    "review.decide": ("post", "/review/{episode}/dismiss/", {"reason": "not a concern"}),
    "caller.view": ("get", "/callers/{caller}/", {}),
    "caller.export": ("get", "/callers/{caller}/contacts.csv", {}),
    "caller.merge": ("post", "/callers/{caller}/merge/", {"other_id": "999999", "reason": "same person"}),
    "case.view": ("get", "/cases/{case}/", {}),
    "case.triage": ("post", "/cases/{case}/triage/", {"triage": "vulnerable", "reason": "calls when lonely"}),
    "case.refer": ("post", "/cases/{case}/refer/", {"area_code": "", "note": ""}),
    "case.accept": ("post", "/cases/{case}/accept/", {}),
    "case.intervention": ("post", "/cases/{case}/interventions/", {"kind": "visit", "started_on": "2026-11-10", "outcome": "seen"}),
    "case.risk_review": ("post", "/cases/{case}/risk/", {h: "noted" for h in ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")} | {"risk_level": "low", "next_review_on": "2099-01-01"}),
    "case.guidance": ("post", "/cases/{case}/guidance/", {"guidance": "Be calm; offer the CSU number."}),
    "case.status": ("post", "/cases/{case}/status/", {"status": "monitoring", "note": "quieter"}),
    "block.view": ("get", "/blocks/", {}),
    "block.request": ("post", "/cases/{case}/block/", {"target_kind": "number", "target": "07700900001", "rationale": "tying up 999"}),
    "block.decide": ("post", "/blocks/{block}/decide/", {"decision": "authorise", "note": "ok"}),
    "csu.caseload": ("get", "/csu/", {}),
    "meetings.view": ("get", "/meetings/", {}),
    "audit.view": ("get", "/audit/", {}),
    "flags.handler": ("get", "/flags/handler/?number=07700900001", {}),
    "service.view": ("get", "/service/", {}),
    "service.callbacks": ("get", "/service/callbacks/", {}),
    "impact.view": ("get", "/impact/", {}),
}
ROLES = list(Role.values)


def _url(template: str, world) -> str:
    return template.format(case=world.cam_case.pk, caller=world.cam_caller.pk, episode=world.episode.pk, block=world.block.pk)


def _call(client, action: str, world):
    method, template, data = REQUESTS[action]
    return getattr(client, method)(_url(template, world), data)


def test_table_has_a_request_for_every_action():
    assert set(REQUESTS) == set(PERMISSIONS)


def _pages(patterns, prefix=""):
    """Every page of the project's URLconf, apps' included; the JSON API has its own auth."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern
        elif str(pattern.pattern) != "api/":
            yield from _pages(pattern.url_patterns, prefix + str(pattern.pattern))


def test_every_guarded_view_is_in_the_table():
    """No page escapes the table: each is decorated with an action from it (or is public)."""
    public = {"login", "logout", "purpose", "plotly-js"}
    pages = list(_pages(get_resolver().url_patterns))
    assert any(route.startswith("service/") for route, _ in pages)
    for route, pattern in pages:
        if pattern.name in public:
            continue
        action = getattr(pattern.callback, "permission", None)
        assert action in PERMISSIONS, f"{route} ({pattern.name}) has no permission"


def test_docs_mirror_the_table():
    doc = (Path(__file__).parents[2] / "docs" / "security.md").read_text()
    labels = {r.value: r.label for r in Role}
    header = next(line for line in doc.splitlines() if line.startswith("| action"))
    columns = [c.strip() for c in header.strip("|").split("|")][2:]
    assert columns == [labels[r] for r in ROLES]
    for action, (_, roles) in PERMISSIONS.items():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{action}`")), None)
        assert row, f"docs/security.md lacks {action}"
        cells = [c.strip() for c in row.strip("|").split("|")][2:]
        assert [c == "yes" for c in cells] == [r in roles for r in ROLES], action


@pytest.mark.postgres
@pytest.mark.parametrize("action", list(REQUESTS))
def test_anonymous_goes_to_login(client, world, action):
    response = _call(client, action, world)
    assert response.status_code == 302
    assert re.match(r"^/login/\?next=", response["Location"])


@pytest.mark.postgres
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(REQUESTS))
def test_cell(client, world, action, role):
    client.force_login(world.users[role])
    response = _call(client, action, world)
    if role in PERMISSIONS[action][1]:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert not response["Location"].startswith("/login/")
    else:
        assert response.status_code == 403
