from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fazhi.api import api
from fazhi.core import health, monitoring

# URLs carry no language prefix: the language comes from the session/cookie (set_language)
# so that a link or bookmark works in both languages.
urlpatterns = [
    # Probes and the operator's status (docs/operations/first-hour.md): no login, no data.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("status/", health.status_page, name="status"),
    path("metrics", monitoring.metrics, name="metrics"),  # only FAZHI_METRICS_ALLOW
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("org/", include("fazhi.org.urls")),
    path("law/", include("fazhi.law.urls")),
    path("catalog/", include("fazhi.catalog.urls")),
    path("audit/", include("fazhi.audit.urls")),
    path("cases/", include("fazhi.cases.urls")),
    path("cases/", include("fazhi.cases.document_urls")),
    path("discretion/", include("fazhi.discretion.urls")),
    path("supervision/", include("fazhi.supervision.urls")),
    path("public/", include("fazhi.portal.urls")),
    path("services/catalogue/", include("fazhi.services.catalogue_urls")),  # editions (staff)
    path("services/", include("fazhi.services.urls")),  # 警快办, staff: window, queue, handling
    path("jkb/guide/", include("fazhi.services.guide_urls")),  # 办事指南, public catalogue
    path("jkb/", include("fazhi.services.public_urls")),  # 警快办, the public site (citizens)
    path("litigation/", include("fazhi.litigation.urls")),
    path("petitions/", include("fazhi.petitions.urls")),
    path("rulebook/", include("fazhi.rulebook.urls")),
    path("training/", include("fazhi.training.urls")),
    path("reports/", include("fazhi.reports.urls")),
    path("", include("fazhi.core.urls")),
]

# Error pages with the site's navigation, in the reader's language (fazhi/core/error_views.py).
handler400 = "fazhi.core.error_views.bad_request"
handler403 = "fazhi.core.error_views.permission_denied"
handler404 = "fazhi.core.error_views.page_not_found"
handler500 = "fazhi.core.error_views.server_error"
