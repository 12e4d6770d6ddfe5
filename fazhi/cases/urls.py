from django.urls import path

from fazhi.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("new/check/", views.open_check, name="open_check"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/events/", views.record_event, name="record_event"),
    path("<str:number>/events/form/", views.event_form, name="event_form"),
    path("<str:number>/recommendation/", views.recommendation, name="recommendation"),
    path(
        "<str:number>/parties/<int:pk>/reveal-id/",
        views.reveal_party_id,
        name="reveal_party_id",
    ),
]
