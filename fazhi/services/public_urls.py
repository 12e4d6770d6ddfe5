"""警快办, the public site for citizens (/jkb/): login by phone code, apply, my applications, track."""

from django.urls import include, path

from fazhi.services import public_views as views
from fazhi.services import roster_views

app_name = "jkb"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("apply/<str:code>/", views.apply, name="apply"),
    path("bundle/<str:code>/", views.apply_bundle, name="apply_bundle"),
    path("receipt/<str:receipt>/", views.receipt, name="receipt"),
    path("mine/", views.mine, name="mine"),
    path("mine/<str:receipt>/", views.application_detail, name="application"),
    path("mine/<str:receipt>/supplement/", views.supplement, name="supplement"),
    path("mine/<str:receipt>/withdraw/", views.withdraw, name="withdraw"),
    path("mine/<str:receipt>/roster/", roster_views.upload_roster, name="roster"),
    path("track/", views.track, name="track"),
    path("uploads/<str:token>/", views.citizen_upload, name="upload"),
    path("petitions/", include("fazhi.petitions.public_urls")),  # 网上信访 (petitions app)
]
