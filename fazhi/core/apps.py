from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fazhi.core"
    verbose_name = _("公共")

    def ready(self) -> None:
        from fazhi.core.calendar import load_file, run_calendar_examples
        from fazhi.core.rulepacks import PackKind, register

        register(
            PackKind(
                "calendar",
                "工作日历",
                run_calendar_examples,
                load=load_file,
                count_rules=lambda pack: len(pack.holidays) + len(pack.workdays),
            )
        )
