from django.urls import path

from fazhi.discretion import views

app_name = "discretion"
urlpatterns = [
    path("audit/", views.audit_page, name="audit"),
    path("audit/cases/", views.audit_cases, name="audit_cases"),
]
