from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "fazhi.petitions"
    verbose_name = _("信访与调解")
