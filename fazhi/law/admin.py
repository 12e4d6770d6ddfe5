from typing import TYPE_CHECKING

from django.contrib import admin

from fazhi.law.models import Law, LawVersion, Provision

# The admin classes are generic in django-stubs only, not at run time.
if TYPE_CHECKING:
    _VersionInline = admin.TabularInline[LawVersion, Law]
    _LawAdmin = admin.ModelAdmin[Law]
    _ProvisionAdmin = admin.ModelAdmin[Provision]
else:
    _VersionInline = admin.TabularInline
    _LawAdmin = _ProvisionAdmin = admin.ModelAdmin


class LawVersionInline(_VersionInline):
    model = LawVersion
    extra = 0


@admin.register(Law)
class LawAdmin(_LawAdmin):
    list_display = ("short_title", "title", "kind", "code")
    inlines = (LawVersionInline,)


@admin.register(Provision)
class ProvisionAdmin(_ProvisionAdmin):
    list_display = ("__str__", "version", "is_verified")
    list_filter = ("version__law", "is_verified")
    search_fields = ("text",)
