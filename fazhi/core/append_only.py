"""Rows that are only ever added: events, audit entries, warning history (DESIGN principle 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.utils.translation import gettext_lazy as _

from fazhi.core.errors import FrozenRecord


class AppendOnly:
    """Mix into a model: saving an existing row or deleting one raises FrozenRecord.

    A model names its own messages (``update_refused``, ``delete_refused``) so the officer is told
    what to do instead (e.g. "record a correction").
    """

    update_refused = _("该记录只能追加，不能修改。")
    delete_refused = _("该记录只能追加，不能删除。")

    if TYPE_CHECKING:  # supplied by the model it is mixed into
        pk: Any

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise FrozenRecord(self.update_refused)
        super().save(*args, **kwargs)  # type: ignore[misc]  # the model's, next in the MRO

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise FrozenRecord(self.delete_refused)
