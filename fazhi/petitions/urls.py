from django.urls import URLPattern, URLResolver

app_name = "petitions"
urlpatterns: list[URLPattern | URLResolver] = []
