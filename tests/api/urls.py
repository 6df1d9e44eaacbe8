"""Only the API and the flags pages: these tests don't depend on other apps' URLs."""
from django.urls import include, path

from engage.api import api

urlpatterns = [
    path("api/", api.urls),
    path("flags/", include("engage.flags.urls")),
]
