from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "fazhi.supervision"
    verbose_name = _("执法监督")

    def ready(self) -> None:
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.supervision.examples import run_warning_examples

        register(PackKind("warnings", "预警规则", run_warning_examples))
