from django.urls import path

from fazhi.law import views

app_name = "law"
urlpatterns = [
    path("", views.laws, name="laws"),
    path("<slug:code>/", views.law_detail, name="law_detail"),
    path("<slug:code>/<str:label>/<int:article>/", views.provision, name="provision"),
]
