"""The demo's enforcement catalogue: the items of ``fazhi/catalog/data/items.csv`` (through the
items import), their legal basis, delegations to the townships (赋权乡镇) and a published edition
of each list (through ``fazhi.catalog.editions``). Registered as steps 30–33 of
``fazhi.core.demo``, after the org step (the editions are drafted and published by its accounts).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fazhi.audit import log as audit
from fazhi.catalog import editions
from fazhi.catalog.basis import link_basis
from fazhi.catalog.imports import ItemImporter
from fazhi.catalog.models import Delegation, EditionStatus, EnforcementItem, ListEdition, ListKind
from fazhi.core.demo import ACTOR, SEED, DemoResult, DemoRun, DemoSize, step
from fazhi.core.importing import import_file
from fazhi.org.models import Unit, UnitKind, User

ITEMS_FILE = Path(__file__).resolve().parent / "data" / "items.csv"
DELEGATION_FROM = dt.date(2025, 1, 1)
DELEGATION_DOCUMENT = "示例市人民政府关于向乡镇（街道）赋予部分行政执法权的决定（示例文件）"


@step(30, "catalog.items")
def load_items(run: DemoRun) -> None:
    if ITEMS_FILE.is_file():
        run.result.reports["items"] = import_file(ItemImporter(ACTOR), ITEMS_FILE)
    else:
        run.result.notes.append(
            str(_("未找到事项文件 %(path)s，未加载执法事项。") % {"path": ITEMS_FILE})
        )


@step(31, "catalog.basis", needs="laws")
def link_items_to_laws(run: DemoRun) -> None:
    link = link_basis(EnforcementItem.objects.all(), on=run.on, actor=ACTOR)
    run.result.created["basis_links"] = link.changed_items
    for code, citation, why in link.unresolved:
        run.result.notes.append(f"basis of {code}: {citation}: {why}")


@step(32, "catalog.delegations")
def load_delegations(run: DemoRun) -> None:
    with transaction.atomic():
        run.result.created["delegations"] = _delegations(run.size)


@step(33, "catalog.editions")
def publish_editions(run: DemoRun) -> None:
    _publish_editions(run.result, run.on)


def _delegations(size: DemoSize) -> int:
    """Delegate to each township a seeded handful of the delegable items (赋权乡镇)."""
    items = list(
        EnforcementItem.objects.active().filter(delegable_to_township=True).order_by("code")
    )
    if not items:
        return 0
    rng = random.Random(SEED)  # noqa: S311 - a reproducible data set, not a secret
    created = 0
    for township in Unit.objects.filter(kind=UnitKind.TOWNSHIP).order_by("code"):
        chosen = rng.sample(items, k=min(len(items), rng.randint(5, 10)))
        for item in sorted(chosen, key=lambda i: i.code):
            delegation, is_new = Delegation.objects.get_or_create(
                township=township,
                item=item,
                effective_from=DELEGATION_FROM,
                defaults={"document": DELEGATION_DOCUMENT},
            )
            if is_new:
                audit.record(
                    ACTOR,
                    "delegation.create",
                    delegation,
                    changes={"township": [None, township.code], "item": [None, item.code]},
                )
                created += 1
    return created


def _publish_editions(result: DemoResult, on: dt.date) -> None:
    """Publish an edition of each list unless the live one already matches the catalogue."""
    legal = User.objects.get(username="legal")
    leader = User.objects.get(username="leader")
    published = 0
    for list_kind in ListKind.values:
        if not editions.catalogue_for(list_kind).exists():
            continue
        if ListEdition.objects.filter(list_kind=list_kind, status=EditionStatus.DRAFT).exists():
            result.notes.append(f"editions: a draft of {list_kind} is open; left as it is")
            continue
        with transaction.atomic():
            live = editions.current_edition(list_kind)
            draft = editions.start_draft(list_kind, actor=legal)
            sync = editions.sync_draft_from_catalogue(draft, actor=legal)
            if live is not None and not (sync.added or sync.removed or sync.updated):
                transaction.set_rollback(True)  # the live edition is the catalogue: nothing to do
                continue
            start = on
            if live is not None and live.effective_from is not None:
                start = max(on, live.effective_from + dt.timedelta(days=1))
            editions.publish(draft, actor=leader, effective_from=start)
            published += 1
    result.created["editions"] = published
