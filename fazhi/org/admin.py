"""Django admin for reference data only; business pages are Fazhi's own (ADR 0006)."""

from typing import TYPE_CHECKING

from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from fazhi.org.models import Officer, Unit

# ModelAdmin is generic in django-stubs only, not at run time.
if TYPE_CHECKING:
    _OfficerAdmin = admin.ModelAdmin[Officer]
else:
    _OfficerAdmin = admin.ModelAdmin


@admin.register(Unit)
class UnitAdmin(TreeAdmin):  # type: ignore[misc]  # treebeard is untyped
    form = movenodeform_factory(Unit)
    list_display = ("name", "code", "kind", "is_active")
    search_fields = ("code", "name")


@admin.register(Officer)
class OfficerAdmin(_OfficerAdmin):
    list_display = (
        "police_number",
        "name",
        "unit",
        "status",
        "qualification_level",
        "qualification_expires_on",
    )
    list_filter = ("status", "qualification_level")
    search_fields = ("police_number", "name")
    exclude = ("id_number",)  # full ID numbers are shown only through the audited reveal
    readonly_fields = ("masked_id_number",)
