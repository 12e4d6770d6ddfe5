from django.urls import path

from fazhi.supervision import views

app_name = "supervision"
urlpatterns = [
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
