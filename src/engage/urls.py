from django.urls import include, path

from engage.api import api

urlpatterns = [
    path("api/", api.urls),
    path("flags/", include("engage.flags.urls")),
    path("service/", include("engage.service.urls")),
    path("impact/", include("engage.impact.urls")),
    path("", include("engage.web.urls")),
]
