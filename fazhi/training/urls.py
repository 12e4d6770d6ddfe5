from django.urls import URLPattern, URLResolver, path

from fazhi.training import bank_views, course_views, views

app_name = "training"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mine, name="mine"),
    path("exam/<int:candidate_id>/", views.exam, name="exam"),
    path("exam/<int:candidate_id>/start/", views.exam_start, name="start"),
    path("exam/<int:candidate_id>/answer/<int:question_id>/", views.exam_answer, name="answer"),
    path("exam/<int:candidate_id>/submit/", views.exam_submit, name="submit"),
    path("sittings/", views.sittings, name="sittings"),
    path("sittings/new/", views.sitting_create, name="sitting_create"),
    path("sittings/<str:code>/", views.sitting_detail, name="sitting"),
    path("sittings/<str:code>/draw/", views.sitting_draw, name="sitting_draw"),
    path("sittings/<str:code>/register/", views.sitting_register, name="sitting_register"),
    path("sittings/<str:code>/publish/", views.sitting_publish, name="sitting_publish"),
    path(
        "sittings/<str:code>/marking/<int:candidate_id>/",
        views.sitting_marking,
        name="marking",
    ),
    path("questions/", bank_views.bank, name="bank"),
    path("questions/import/", bank_views.bank_import, name="bank_import"),
    path("questions/<int:pk>/", bank_views.question_detail, name="question"),
    path("questions/<int:pk>/review/", bank_views.question_review, name="question_review"),
    path("courses/", course_views.courses_list, name="courses"),
    path("courses/<str:code>/", course_views.course_detail, name="course"),
    path("plans/", course_views.plans, name="plans"),
    path("plans/<int:plan_id>/", course_views.plan_detail, name="plan"),
    path("warnings/", course_views.warning_list, name="warnings"),
]
