from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawConfig(AppConfig):
    name = "fazhi.law"
    verbose_name = _("法律法规")
