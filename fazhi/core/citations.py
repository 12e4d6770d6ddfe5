"""Who cites what: one registry of the product's citers of legal provisions.

Every place in the product that rests on a provision — a rule pack's rule, a catalogue item, a
list edition's entry, a 警快办 item, a normative document, an exam question — is a *citer*. Each
source of citers registers a ``Provider`` (from its ``AppConfig.ready``, or from an app above it)
that yields one ``Cited`` per citation it makes: who owns it, the provision as written in legal
form, and where it is written. What a change of law touches (fazhi.rulebook.impact) reads them
all through ``cited()``; core imports no app.

The rule packs of every registered kind are one provider of their own (``packs``): the walk
reads each pack's ``Citation`` and ``Basis`` fields (the discretion packs' ``cite`` through
their rules), so a new kind is covered the moment it registers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel

from fazhi.core import rulepacks


@dataclass(frozen=True)
class Cited:
    """One citation of one provision by one owner.

    ``citation`` is in legal form (``《中华人民共和国治安管理处罚法》第二十三条第一款``), with the
    version after the title where the owner names one (``《…》（2012）第…``). ``owner_from`` /
    ``owner_to`` bound the days the owner is in force (None: open), so that a citer that ends
    before a new version of the law needs no review.
    """

    kind: str  # the provider's code, e.g. "pack.procedure", "catalog.item"
    owner_id: str  # stable within the kind: a pack id and rule code, an item code, a row id
    owner_label: str  # for people
    unit: str  # the owning unit, list or pack
    citation: str
    where: str  # the field or rule that holds it
    url: str = ""
    owner_from: dt.date | None = None
    owner_to: dt.date | None = None

    @property
    def owner_key(self) -> str:
        return f"{self.kind}:{self.owner_id}"


@dataclass(frozen=True)
class Provider:
    """A source of citers. ``cite(laws)`` yields every citation it holds; LAWS (the names a law
    goes by: code, full and short title) lets a provider that can filter cheaply do so — the
    caller filters again, so a provider may ignore it."""

    code: str
    label: Any  # a (lazy) translated name: 办案程序规则, 执法事项 …
    cite: Callable[[frozenset[str] | None], Iterable[Cited]]
    order: int = 100


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Register PROVIDER; a second registration of the same code replaces it."""
    _PROVIDERS[provider.code] = provider


def providers() -> list[Provider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.code))


def cited(laws: frozenset[str] | None = None) -> Iterator[Cited]:
    """Yield every citation of every registered provider (those of LAWS, where a provider can tell)."""
    for provider in providers():
        yield from provider.cite(laws)


def mentions(text: str, laws: frozenset[str] | None) -> bool:
    """Return True if TEXT may cite one of LAWS (always, without LAWS)."""
    return laws is None or any(name in text for name in laws)


# --------------------------------------------------------------------------- the rule packs


def _rule_of(pack: Any, loc: tuple[Any, ...]) -> tuple[str, str]:
    """The innermost rule a location in PACK points at: (its code or id, its name for people)."""
    node: Any = pack
    code = name = ""
    for key in loc:
        try:
            node = node[key] if isinstance(key, int) else getattr(node, str(key))
        except (AttributeError, IndexError, KeyError, TypeError):
            break
        found = next(
            (v for a in ("code", "id") if isinstance(v := getattr(node, a, None), str) and v), ""
        )
        if found:
            code = found
            title = getattr(node, "name", None) or getattr(node, "title", None)
            name = title if isinstance(title, str) else ""
    return code, name


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(f"[{k}]" if isinstance(k, int) else str(k) for k in loc).replace(".[", "[")


def pack_citations(kind: str, pack: Any) -> Iterator[Cited]:
    """Yield every citation of one pack of KIND (pydantic packs by their Citation and Basis
    fields; packs that are not pydantic models by their ``rules()`` and each rule's ``cite``)."""
    title = str(rulepacks.registered_kinds()[kind].title)
    pack_id = str(getattr(pack, "id", None) or getattr(pack, "series", None) or "")
    version = str(getattr(pack, "version", "") or "")
    unit = f"{getattr(pack, 'title', pack_id)}（{version}）" if version else pack_id
    name = getattr(pack, "name", "")
    owner = f"{pack_id}@{version}" if version else pack_id
    if isinstance(pack, BaseModel):
        for loc, value, _unverified in rulepacks._cited(pack, (), False):
            code, name = _rule_of(pack, loc)
            code = code or pack_id
            for text in value.citations():
                yield Cited(
                    kind=f"pack.{kind}",
                    owner_id=f"{owner}#{code}",
                    owner_label=f"{title}：{name}（{code}）" if name else f"{title}：{code}",
                    unit=unit,
                    citation=text,
                    where=f"rules/{kind}/ · {pack_id} · {_where(loc)}",
                    owner_from=getattr(pack, "effective_from", None),
                    owner_to=getattr(pack, "effective_to", None),
                )
        return
    for rule in getattr(pack, "rules", list)():
        for text in getattr(rule, "cite", ()):
            yield Cited(
                kind=f"pack.{kind}",
                owner_id=f"{name or owner}#{rule.id}",
                owner_label=f"{title}：{rule.id}",
                unit=unit,
                citation=text,
                where=f"rules/{kind}/{name}.yaml · {rule.id}" if name else f"rules/{kind}/",
                owner_from=pack.effective_from,
                owner_to=pack.effective_to,
            )


# (kind, id of the pack object) -> (the pack, its citations): the registry hands out the same
# objects until a file changes, so a pack's citations are walked once per load, not per report.
_WALKED: dict[tuple[str, int], tuple[Any, list[Cited]]] = {}


def _packs(laws: frozenset[str] | None) -> Iterator[Cited]:
    for kind in sorted(rulepacks.registered_kinds()):
        for pack in rulepacks.registry.packs(kind):
            walked = _WALKED.get((kind, id(pack)))
            if walked is None or walked[0] is not pack:
                walked = _WALKED[(kind, id(pack))] = (pack, list(pack_citations(kind, pack)))
            for item in walked[1]:
                if mentions(item.citation, laws):
                    yield item


register(Provider("packs", _("规则包"), _packs, order=10))
