"""The role-aware navigation (with the coordinator's new-episode count) for web/base.html.

An inclusion tag rather than only a context processor, so pages of other apps that
extend web/base.html get the same nav whatever the settings.
"""
from __future__ import annotations

from django import template

from engage.accounts.models import Role
from engage.accounts.permissions import can, role_of
from engage.web.context_processors import new_episode_count_for

register = template.Library()

# (label, url, visible to)
_LINKS = [
    ("Dashboard", "/", "dashboard"),
    ("Review queue", "/review/", "review.view"),
    ("Call blocks", "/blocks/", "block.view"),
    ("My caseload", "/csu/", "csu.caseload"),
    ("Meetings", "/meetings/", "meetings.view"),
    ("Audit log", "/audit/", "audit.view"),
]
# Pages of other apps: flags (handler's screen), service levels, impact.
_OTHER = [
    ("Incoming call", "/flags/handler/", {Role.HANDLER, Role.COORDINATOR, Role.INSPECTOR}),
    ("Service", "/service/", {Role.COORDINATOR, Role.INSPECTOR, Role.ANALYST}),
    ("Impact", "/impact/", {Role.COORDINATOR, Role.INSPECTOR, Role.ANALYST}),
]


@register.inclusion_tag("web/_nav.html", takes_context=True)
def engage_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"links": [], "user": None}
    role = role_of(user)
    links = [(label, url) for label, url, action in _LINKS if can(user, action)]
    links += [(label, url) for label, url, roles in _OTHER if role in roles]
    count = context.get("new_episode_count")
    if count is None:
        count = new_episode_count_for(user)
    path = request.path
    return {
        "links": [(label, url, url == path or (url != "/" and path.startswith(url))) for label, url in links],
        "user": user,
        "role_label": Role(role).label if role else "No role",
        "new_episode_count": count,
        "csrf_token": context.get("csrf_token"),
    }
