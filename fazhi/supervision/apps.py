from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "fazhi.supervision"
    verbose_name = _("执法监督")

    def ready(self) -> None:
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.supervision import review_metrics  # noqa: F401 - registers the 评查 metrics
        from fazhi.supervision.examples import run_warning_examples
        from fazhi.supervision.review import load_checklist, run_review_examples
        from fazhi.supervision.rules import RuleRegistry, load_warning_pack

        register(
            PackKind(
                "warnings",
                "预警规则",
                run_warning_examples,
                load=load_warning_pack,
                load_folder=RuleRegistry.from_paths,
            )
        )
        register(
            PackKind(
                "review",
                "案卷评查标准",
                run_review_examples,
                load=load_checklist,
                count_rules=lambda checklist: len(checklist.items),
            )
        )

        from fazhi.core import warnings
        from fazhi.supervision import orders, scan

        warnings.register(scan.SOURCE)  # case warnings (the cases' and the orders' rules)
        warnings.register_step("orders_escalated", orders.escalate_unanswered)

        from fazhi.supervision import bulk

        bulk.register()  # 批量督办 as a long action (fazhi.core.jobs)
