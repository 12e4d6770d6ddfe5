"""What each role sees first on its home page: counts of its scope and its tasks."""

from __future__ import annotations

from django.utils import timezone

from fazhi.org.roles import Capability as C


def for_user(user) -> dict:
    from fazhi.catalog.models import EditionStatus, EnforcementItem, ListEdition
    from fazhi.org.models import Officer, Unit

    today = timezone.localdate()
    context: dict = {"role_label": user.get_role_display(), "today": today, "cards": []}
    cards = context["cards"]
    if user.has_capability(C.VIEW_SCOPED_DATA):
        officers = Officer.objects.visible_to(user)
        cards += [
            {"label": "units", "value": Unit.objects.visible_to(user).count()},
            {"label": "officers", "value": officers.count()},
            {"label": "qualified", "value": officers.qualification_valid_on(today).count()},
            {"label": "expiring", "value": officers.qualification_expiring(today, 90).count()},
        ]
    if user.has_capability(C.EDIT_CATALOGUE) or user.has_capability(C.PUBLISH_LIST):
        cards += [
            {"label": "items", "value": EnforcementItem.objects.active().count()},
            {
                "label": "drafts",
                "value": ListEdition.objects.filter(status=EditionStatus.DRAFT).count(),
            },
        ]
    return context
