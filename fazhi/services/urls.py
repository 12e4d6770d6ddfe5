from django.urls import URLPattern, URLResolver, path

from fazhi.services import alert_views, public_views, staff_views

app_name = "services"
urlpatterns: list[URLPattern | URLResolver] = [
    # Staff side (helper C): the queue, window intake, an application and its steps.
    path("", staff_views.queue_page, name="queue"),
    path("window/", staff_views.window, name="window"),
    path("warnings/", alert_views.warning_list, name="warnings"),
    path("a/<str:receipt>/", staff_views.application_page, name="application"),
    path("a/<str:receipt>/steps/<str:code>/", staff_views.act, name="act"),
    path("a/<str:receipt>/reveal-id/", staff_views.reveal_id, name="reveal_id"),
    # Helper B: an applicant's uploaded file, for staff whose scope covers it (audited).
    path("uploads/<str:token>/", public_views.staff_upload, name="upload"),
]
