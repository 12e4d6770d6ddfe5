from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscretionConfig(AppConfig):
    name = "fazhi.discretion"
    verbose_name = _("裁量基准")

    def ready(self) -> None:
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.discretion.examples import run_discretion_examples

        register(PackKind("discretion", "行政处罚裁量基准", run_discretion_examples))
