"""URLs of a case's legal documents (文书): generate one, download one.

Included under ``cases/`` by fazhi/urls.py; the case pages link to these names.
"""

from django.urls import path

from fazhi.cases import document_views

app_name = "case_documents"
urlpatterns = [
    path(
        "<str:number>/documents/<int:pk>/download/",
        document_views.download,
        name="download",
    ),
    path("<str:number>/documents/<slug:kind>/", document_views.generate, name="generate"),
]
