from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "fazhi.catalog"
    verbose_name = _("执法事项与清单")
