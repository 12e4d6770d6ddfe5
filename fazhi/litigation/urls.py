from django.urls import URLPattern, URLResolver, path

from fazhi.litigation import views

app_name = "litigation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.matter_list, name="list"),
    path("new/", views.matter_new, name="new"),
    path("new/check/", views.matter_check, name="check"),
    path("heads/", views.head_list, name="heads"),
    path("warnings/", views.warning_list, name="warnings"),
    path("<str:number>/", views.matter_detail, name="detail"),
    path("<str:number>/reply/", views.matter_reply, name="reply"),
    path("<str:number>/documents/", views.matter_document, name="document"),
    path("<str:number>/documents/<str:token>/", views.document_download, name="download"),
    path("<str:number>/hearings/", views.hearing_new, name="hearing"),
    path(
        "<str:number>/hearings/<int:hearing_id>/appearance/",
        views.hearing_appearance,
        name="appearance",
    ),
    path("<str:number>/outcome/", views.matter_outcome, name="outcome"),
    path("<str:number>/correction/", views.matter_correction, name="correction"),
    path("<str:number>/reveal/", views.reveal_claimant, name="reveal"),
    path("<str:number>/draft/", views.matter_draft, name="draft"),
]
