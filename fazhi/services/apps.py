from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "fazhi.services"
    verbose_name = _("警快办")

    def ready(self) -> None:
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.services import metrics  # noqa: F401 - registers the 警快办 metrics
        from fazhi.services.alerts import load_pack, run_examples

        register(PackKind("services", "警快办时限预警", run_examples, load=load_pack))

        from fazhi.core.calendar import on_calendar_change
        from fazhi.services.redate import pending_applications, redate_applications

        on_calendar_change(redate_applications, pending=pending_applications)
