from django.urls import URLPattern, URLResolver, path

from fazhi.rulebook import public_views, views

app_name = "rulebook"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.documents, name="documents"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/step/", views.document_step, name="document_step"),
    path("documents/<int:pk>/review.docx", views.review_docx, name="review_docx"),
    path("documents/<int:pk>/<slug:what>/", views.document_edit, name="document_edit"),
    path("cleanup/", views.campaigns, name="campaigns"),
    path("cleanup/<int:pk>/", views.campaign, name="campaign"),
    path("cleanup/<int:pk>/act/", views.campaign_act, name="campaign_act"),
    path("cleanup/<int:pk>/list.docx", views.cleanup_docx, name="cleanup_docx"),
    path("impact/", views.impact_page, name="impact"),
    path("impact/tasks/<int:pk>/", views.impact_task, name="impact_task"),
    path("projects/", views.projects, name="projects"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path("public/", public_views.public_documents, name="public_documents"),
    path("public/documents.csv", public_views.public_csv, name="public_csv"),
    path("public/documents.json", public_views.public_json, name="public_json"),
    path("public/<int:pk>/", public_views.public_document, name="public_document"),
]
