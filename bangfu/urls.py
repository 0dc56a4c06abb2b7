from django.urls import include, path
from django.views.i18n import set_language

from bangfu.core import views as core_views

urlpatterns = [
    path("", core_views.dashboard, name="home"),
    path("", include("bangfu.core.urls")),
    path("accounts/", include("bangfu.accounts.urls")),
    path("orgs/", include("bangfu.orgs.urls")),
    path("audit/", include("bangfu.audit.urls")),
    path("registry/", include("bangfu.registry.urls")),
    path("transfer/", include("bangfu.transfer.urls")),
    path("programs/", include("bangfu.programs.urls")),
    path("pairings/", include("bangfu.pairings.urls")),
    path("activities/", include("bangfu.activities.urls")),
    path("ledger/", include("bangfu.ledger.urls")),
    path("compliance/", include("bangfu.compliance.urls")),
    path("notifications/", include("bangfu.notifications.urls")),
    path("documents/", include("bangfu.documents.urls")),
    path("reports/", include("bangfu.reports.urls")),
    path("assessment/", include("bangfu.assessment.urls")),
    path("m/", include("bangfu.activities.phone_urls")),
    path("publicity/", include("bangfu.publicity.urls")),
    path("workflows/", include("bangfu.workflows.urls")),
    path("p/", include("bangfu.publicity.public_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]
