from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "fazhi.petitions"
    verbose_name = _("信访与调解")

    def ready(self) -> None:
        from fazhi.core import warnings
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.petitions import metrics  # noqa: F401 - registers the petitions metrics
        from fazhi.petitions.alerts import SOURCE
        from fazhi.petitions.packs import load_pack, run_examples

        register(PackKind("petitions", "信访诉访分离与期限", run_examples, load=load_pack))
        warnings.register(SOURCE)
