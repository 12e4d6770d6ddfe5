from django.urls import path

from fazhi.portal import benchmarks, views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("lists/<slug:kind>/", views.public_list, name="list"),
    path("lists/<slug:kind>.csv", views.list_csv, name="list_csv"),
    path("lists/<slug:kind>.json", views.list_json, name="list_json"),
    path("benchmarks/", benchmarks.benchmark_index, name="benchmarks"),
    path("benchmarks/try/", benchmarks.benchmark_try, name="benchmark_try"),
    path("benchmarks/<str:pack>/<str:offence>/", benchmarks.benchmark_detail, name="benchmark"),
]
