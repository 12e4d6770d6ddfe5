from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulebookConfig(AppConfig):
    name = "fazhi.rulebook"
    verbose_name = _("规范性文件与立法")

    def ready(self) -> None:
        from fazhi.core import warnings
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.rulebook import (
            alerts,
            impact,
            metrics,  # noqa: F401 - registers the rulebook metrics
            providers,
        )
        from fazhi.rulebook.packs import load_pack

        register(
            PackKind(
                "rulebook",
                "规范性文件与重大决策程序",
                alerts.run_examples,
                load=load_pack,
                count_rules=lambda pack: (
                    sum(len(s.requires) for s in pack.steps) + len(pack.warnings)
                ),
            )
        )
        warnings.register(alerts.DOCUMENTS)
        warnings.register(alerts.TASKS)
        warnings.register_step("rulebook_impact", impact.refresh_changes)
        providers.register_all()
