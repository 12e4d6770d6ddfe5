from django.urls import path

from fazhi.org import views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("officers/", views.officer_list, name="officers"),
    path("officers/<str:police_number>/", views.officer_detail, name="officer"),
    path(
        "officers/<str:police_number>/reveal-id/", views.reveal_id_number, name="reveal_id_number"
    ),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/roles/", views.account_roles, name="account_roles"),
    path("accounts/<str:username>/active/", views.account_set_active, name="account_set_active"),
    path(
        "accounts/<str:username>/officer/", views.account_link_officer, name="account_link_officer"
    ),
    path("accounts/<str:username>/role/", views.account_assign_role, name="account_assign_role"),
    path("accounts/<str:username>/unlock/", views.account_unlock, name="account_unlock"),
    path("accounts/<str:username>/reset/", views.account_reset, name="account_reset"),
    path(
        "accounts/<str:username>/activation/",
        views.account_issue_activation,
        name="account_issue_activation",
    ),
    path("activate/", views.activate, name="activate"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("accounts/<str:username>/2fa-reset/", views.account_reset_otp, name="account_reset_otp"),
]
