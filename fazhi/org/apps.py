from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "fazhi.org"
    verbose_name = _("组织与人员")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from fazhi.org.twofactor import remember_enrolment

        user_logged_in.connect(remember_enrolment, dispatch_uid="fazhi.org.2fa_enrolment")
