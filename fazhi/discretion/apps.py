from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscretionConfig(AppConfig):
    name = "fazhi.discretion"
    verbose_name = _("裁量基准")

    def ready(self) -> None:
        from fazhi.core.rulepacks import PackKind, register
        from fazhi.discretion.examples import run_discretion_examples
        from fazhi.discretion.packs import build_library, load_pack

        register(
            PackKind(
                "discretion",
                "行政处罚裁量基准",
                run_discretion_examples,
                load=load_pack,
                load_folder=build_library,
                count_rules=lambda pack: len(pack.rules()),
            )
        )
