from django.urls import path

from fazhi.services import catalogue_views as views

app_name = "service_catalogue"
urlpatterns = [
    path("", views.edition_list, name="editions"),
    path("new/", views.edition_start, name="start"),
    path("diff/", views.edition_diff, name="diff"),
    path("<int:pk>/", views.edition_detail, name="edition"),
    path("<int:pk>/sync/", views.edition_sync, name="sync"),
    path("<int:pk>/publish/", views.edition_publish, name="publish"),
]
