from django.urls import path

from fazhi.reports import service_views, views

app_name = "reports"
urlpatterns = [
    path("metrics/", views.metric_list, name="metrics"),
    path("metrics/<str:code>/", views.metric_detail, name="metric"),
    path("services/", service_views.services, name="services"),  # 警快办 (issue 6)
]
