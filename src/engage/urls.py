from django.urls import include, path

from engage.api import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("engage.web.urls")),
]
