from django.contrib import admin

from fazhi.law.models import Law, LawVersion, Provision


class LawVersionInline(admin.TabularInline):
    model = LawVersion
    extra = 0


@admin.register(Law)
class LawAdmin(admin.ModelAdmin):
    list_display = ("short_title", "title", "kind", "code")
    inlines = (LawVersionInline,)


@admin.register(Provision)
class ProvisionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "version", "is_verified")
    list_filter = ("version__law", "is_verified")
    search_fields = ("text",)
