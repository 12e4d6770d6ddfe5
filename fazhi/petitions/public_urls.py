"""网上信访 on the 警快办 public site (/jkb/petitions/): a logged-in citizen submits and follows."""

from django.urls import URLPattern, URLResolver, path

from fazhi.petitions import public_views as views

app_name = "petitions"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mine, name="mine"),
    path("new/", views.submit, name="new"),
]
