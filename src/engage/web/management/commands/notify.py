"""engage notify: e-mail coordinators a digest of the episodes waiting in the review queue."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from engage.cases.services import new_episodes
from engage.web.notify import coordinator_emails, send_new_episodes


class Command(BaseCommand):
    help = (
        "E-mail every coordinator (users with the coordinator role and an e-mail address) the list "
        "of new episodes in the review queue. New episodes are also e-mailed as they are created; "
        "this is the morning digest for cron."
    )

    def handle(self, *args, **opts) -> None:
        ids = list(new_episodes().values_list("pk", flat=True))
        sent = send_new_episodes(ids)
        self.stdout.write(f"{len(ids)} new episode(s); {sent} e-mail sent to {len(coordinator_emails())} coordinator(s).")
