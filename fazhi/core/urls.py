from django.urls import path

from fazhi.core import calendar_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
]
