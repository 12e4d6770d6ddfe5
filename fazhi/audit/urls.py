from django.urls import path

from fazhi.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.log_view, name="log"),
    path("verify/", views.verify_view, name="verify"),
]
