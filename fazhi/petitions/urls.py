from django.urls import URLPattern, URLResolver, path

from fazhi.petitions import views

app_name = "petitions"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.petition_list, name="list"),
    path("new/", views.petition_new, name="new"),
    path("new/check/", views.petition_check, name="check"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/act/<str:code>/", views.petition_act, name="act"),
    path("<int:pk>/reveal-id/", views.reveal_id, name="reveal_id"),
    path("<int:pk>/attachments/", views.attach, name="attach"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:pk>/notices/<int:notice_id>.docx", views.notice_docx, name="notice_docx"),
    path("claims/<int:pk>/", views.claim_classify, name="classify"),
    path("mediations/", views.mediation_list, name="mediations"),
    path("mediations/new/", views.mediation_new, name="mediation_new"),
    path("mediations/<int:pk>/", views.mediation_detail, name="mediation"),
    path("mediations/<int:pk>/act/<str:code>/", views.mediation_act, name="mediation_act"),
]
