from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulebookConfig(AppConfig):
    name = "fazhi.rulebook"
    verbose_name = _("规范性文件与立法")
