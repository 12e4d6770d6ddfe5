"""The cases a lost matter puts forward for case-quality review (评查).

``record_outcome`` stamps ``review_flagged_at`` on a matter whose outcome corrects the act of a
case of the platform; the review (fazhi.supervision.review) offers these cases as one kind of
case to review in full (``draw_kinds`` with the kind ``litigation_corrected``).
"""

from __future__ import annotations

from django.db.models import Q

from fazhi.litigation.models import Matter

REVIEW_KIND = "litigation_corrected"


def flagged_cases() -> Q:
    """The condition on cases: a matter about the case was lost and flagged for review."""
    return Q(
        pk__in=Matter.objects.filter(review_flagged_at__isnull=False, case__isnull=False).values(
            "case_id"
        )
    )
