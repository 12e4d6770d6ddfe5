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
