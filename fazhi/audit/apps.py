from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "fazhi.audit"
    verbose_name = _("审计")

    def ready(self) -> None:
        from fazhi.audit import auth_events, log
        from fazhi.core import auditing

        auditing.install(log.record)  # core's import framework records through this hook
        auth_events.connect()
        from fazhi.audit.status import check_audit
        from fazhi.core import status

        status.register("audit", check_audit)  # fazhi status: last verification, anchor age
