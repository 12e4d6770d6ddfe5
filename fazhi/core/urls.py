from django.urls import path

from fazhi.core import calendar_views, job_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job"),  # a long action (fazhi.core.jobs)
]
