from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "fazhi.training"
    verbose_name = _("教育训练与执法资格")
