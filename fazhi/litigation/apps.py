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
        from fazhi.litigation.review import REVIEW_KIND, flagged_cases
        from fazhi.supervision.review import register_kind

        register(
            PackKind(
                KIND, "复议诉讼期限与预警", run_examples, load=load_pack, count_rules=count_rules
            )
        )
        warnings.register(SOURCE)
        from fazhi.core.calendar import on_calendar_change
        from fazhi.litigation.deadlines import pending_from, redate_matters

        on_calendar_change(redate_matters, pending=pending_from)
        # 评查: a case whose act was corrected is put forward for case-quality review.
        register_kind(REVIEW_KIND, _("复议诉讼中被纠错的案件"), flagged_cases)
