from typing import cast

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawConfig(AppConfig):
    name = "fazhi.law"
    verbose_name = _("法律法规")

    def ready(self) -> None:
        from fazhi.core.rulepacks import CitationResolver, set_citation_resolver
        from fazhi.law.resolver import check_citation

        # Called positionally (citation, first, last); only the first parameter's name differs.
        set_citation_resolver(cast(CitationResolver, check_citation))
