"""Template filters of the 评查 pages (a case page links to the review form through them)."""

from typing import Any

from django import template

from fazhi.supervision.review import may_review

register = template.Library()


@register.filter
def can_review(user: Any) -> bool:
    """Whether USER may review case files (SUPERVISE or REVIEW_CASES)."""
    return may_review(user)
