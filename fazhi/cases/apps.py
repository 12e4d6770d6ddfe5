from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "fazhi.cases"
    verbose_name = _("行政案件")

    def ready(self) -> None:
        from fazhi.cases.examples import run_procedure_examples
        from fazhi.cases.packs import PackRegistry, load_pack
        from fazhi.core.calendar import run_calendar_examples
        from fazhi.core.rulepacks import PackKind, register

        register(PackKind("calendar", "工作日历", run_calendar_examples))
        register(
            PackKind(
                "procedure",
                "办案程序",
                run_procedure_examples,
                load=load_pack,
                load_folder=PackRegistry.from_paths,
                count_rules=lambda pack: (
                    sum(len(e.preconditions) for e in pack.events) + len(pack.deadlines)
                ),
            )
        )
