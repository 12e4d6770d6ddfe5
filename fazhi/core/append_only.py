"""Rows that are only ever added: events, audit entries, warning history (DESIGN principle 6)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fazhi.core.errors import FrozenRecord


class AppendOnly:
    """Mix into a model: saving an existing row or deleting one raises FrozenRecord.

    A model names its own messages (``update_refused``, ``delete_refused``) so the officer is told
    what to do instead (e.g. "record a correction").
    """

    update_refused = _("该记录只能追加，不能修改。")
    delete_refused = _("该记录只能追加，不能删除。")

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise FrozenRecord(self.update_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenRecord(self.delete_refused)
