from django.urls import path

from fazhi.reports import views

app_name = "reports"
urlpatterns = [
    path("metrics/", views.metric_list, name="metrics"),
    path("metrics/<str:code>/", views.metric_detail, name="metric"),
]
