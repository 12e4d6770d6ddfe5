from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "fazhi.training"
    verbose_name = _("教育训练与执法资格")

    def ready(self) -> None:
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.training import metrics  # noqa: F401 - registers the training metrics
        from fazhi.training.rules import count_rules, load_pack, run_examples

        register(
            PackKind(
                "training",
                "执法资格考试与培训",
                run_examples,
                load=load_pack,
                count_rules=count_rules,
            )
        )

        from fazhi.core import warnings
        from fazhi.training import alerts, exams

        warnings.register(alerts.SOURCE)
        warnings.register_step("qualification_grants", lambda at: exams.apply_due_grants(at))
        alerts.register_citations()
