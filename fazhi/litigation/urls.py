from django.urls import URLPattern, URLResolver

app_name = "litigation"
urlpatterns: list[URLPattern | URLResolver] = []
