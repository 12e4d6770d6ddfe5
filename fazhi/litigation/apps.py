from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LitigationConfig(AppConfig):
    name = "fazhi.litigation"
    verbose_name = _("复议诉讼")

    def ready(self) -> None:
        from fazhi.core import warnings
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.litigation import metrics  # noqa: F401 - registers the litigation metrics
        from fazhi.litigation.alerts import SOURCE, run_examples
        from fazhi.litigation.packs import KIND, count_rules, load_pack

        register(
            PackKind(
                KIND, "复议诉讼期限与预警", run_examples, load=load_pack, count_rules=count_rules
            )
        )
        warnings.register(SOURCE)
