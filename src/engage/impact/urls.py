from django.urls import path

from engage.impact import views

app_name = "impact"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("report/", views.report_page, name="report"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("whatif/", views.whatif_page, name="whatif"),
]
