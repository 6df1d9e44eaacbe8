"""Template context for every page (wire into settings TEMPLATES' context_processors)."""
from __future__ import annotations

from engage.accounts.models import Role
from engage.accounts.permissions import role_of


def new_episode_count_for(user) -> int | None:
    """How many episodes wait in the review queue; only coordinators see the count."""
    if role_of(user) != Role.COORDINATOR:
        return None
    from engage.detection.models import Episode

    return Episode.objects.filter(status=Episode.Status.NEW).count()


def engage(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"new_episode_count": new_episode_count_for(user), "user_role": role_of(user)}
