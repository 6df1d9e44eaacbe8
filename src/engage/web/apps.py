from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "engage.web"
    label = "web"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from engage.detection.models import Episode
        from engage.web import notify

        post_save.connect(notify.on_episode_saved, sender=Episode, dispatch_uid="engage.web.notify")
