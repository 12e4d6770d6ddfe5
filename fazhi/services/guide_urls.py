from django.urls import path

from fazhi.services import guide_views as views

app_name = "guide"
urlpatterns = [
    path("", views.index, name="index"),
    path("catalogue.csv", views.catalogue_csv, name="csv"),
    path("catalogue.json", views.catalogue_json, name="json"),
    path("items/<str:code>/", views.item, name="item"),
    path("bundles/", views.bundles, name="bundles"),
    path("bundles/<str:code>/", views.bundle, name="bundle"),
]
