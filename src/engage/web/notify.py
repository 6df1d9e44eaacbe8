"""E-mail coordinators when new episodes appear.

A post_save receiver on Episode collects new episodes per transaction and sends one
message when it commits (an import that creates 30 episodes sends one e-mail, and a
rolled-back batch sends none). `engage notify` re-sends a digest of the queue.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction

from engage.accounts.models import Role

def coordinator_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, profile__role=Role.COORDINATOR).exclude(email="")
    return sorted(users.values_list("email", flat=True))


class _Flush:
    """One pending e-mail per transaction; found again in the connection's on-commit hooks."""

    def __init__(self, first_id: int) -> None:
        self.ids = [first_id]

    def __call__(self) -> None:
        send_new_episodes(self.ids)


def on_episode_saved(sender, instance, created: bool, **kwargs) -> None:
    if not created or kwargs.get("raw"):
        return
    connection = transaction.get_connection()
    for hook in connection.run_on_commit:
        if isinstance(hook[1], _Flush):
            hook[1].ids.append(instance.pk)
            return
    transaction.on_commit(_Flush(instance.pk))  # runs at once outside a transaction


def send_new_episodes(episode_ids: list[int]) -> int:
    """One e-mail to every coordinator listing the new episodes; returns messages sent (0 or 1)."""
    from engage.detection.models import Episode

    to = coordinator_emails()
    episodes = list(Episode.objects.filter(pk__in=episode_ids).select_related("caller").order_by("pk"))
    if not to or not episodes:
        return 0
    base = getattr(settings, "ENGAGE_BASE_URL", "http://127.0.0.1:8000")
    lines = [
        f"- episode {e.pk}: {e.caller or e.place_key} ({e.rule}, {e.contact_count} contacts)" for e in episodes[:50]
    ]
    if len(episodes) > 50:
        lines.append(f"- ... and {len(episodes) - 50} more")
    body = (
        f"{len(episodes)} new repeat-contact episode(s) are waiting in the review queue:\n\n"
        + "\n".join(lines)
        + f"\n\nReview them at {base}/review/\n"
    )
    return send_mail(f"Engage: {len(episodes)} new episode(s) to review", body, None, to)
