from django.urls import path

from engage.web.views import audit_log, auth, blocks, callers, cases, csu, dashboard, meetings, review

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("purpose/", auth.purpose_view, name="purpose"),
    path("assets/plotly.js", auth.plotly_js, name="plotly-js"),
    path("review/", review.queue, name="review"),
    path("review/<int:pk>/open/", review.open_case, name="episode-open"),
    path("review/<int:pk>/dismiss/", review.dismiss, name="episode-dismiss"),
    path("callers/<int:pk>/", callers.profile, name="caller"),
    path("callers/<int:pk>/contacts.csv", callers.contacts_csv, name="caller-contacts-csv"),
    path("callers/<int:pk>/merge/", callers.merge, name="caller-merge"),
    path("callers/<int:pk>/split/", callers.split, name="caller-split"),
    path("cases/<int:pk>/", cases.detail, name="case"),
    path("cases/<int:pk>/triage/", cases.triage, name="case-triage"),
    path("cases/<int:pk>/refer/", cases.refer, name="case-refer"),
    path("cases/<int:pk>/accept/", cases.accept, name="case-accept"),
    path("cases/<int:pk>/interventions/", cases.intervention, name="case-intervention"),
    path("cases/<int:pk>/risk/", cases.risk_review, name="case-risk"),
    path("cases/<int:pk>/guidance/", cases.guidance, name="case-guidance"),
    path("cases/<int:pk>/status/", cases.status, name="case-status"),
    path("cases/<int:pk>/block/", cases.request_block, name="case-block"),
    path("blocks/", blocks.queue, name="blocks"),
    path("blocks/<int:pk>/decide/", blocks.decide, name="block-decide"),
    path("blocks/<int:pk>/renew/", blocks.renew, name="block-renew"),
    path("csu/", csu.caseload, name="csu"),
    path("meetings/", meetings.agenda_view, name="meetings"),
    path("audit/", audit_log.audit_view, name="audit"),
]
