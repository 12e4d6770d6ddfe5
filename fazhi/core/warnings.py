"""One warning engine (预警) for every subject an app watches: cases, 警快办 applications, and the
apps that come next (docs/decisions/0014-one-warning-engine.md).

A **warning** is one (subject, rule, deadline code, subject key) whose rule's condition holds; it
opens, may escalate from the unit to the district centre and to the city centre, may be
acknowledged (签收), and closes by itself, with the reason, when the condition no longer holds.
At most one OPEN warning exists per (rule, subject, code, key) — a partial unique constraint — so
a rescan never duplicates it. Its **history** (opened, escalated, acknowledged, closed) is
append-only.

Core defines the abstract models (``AbstractWarning``, ``AbstractWarningEvent``); each app keeps
its concrete tables (``CaseWarning`` + ``WarningEvent`` in fazhi.supervision, ``ServiceWarning`` +
``ServiceWarningEvent`` in fazhi.services) and declares a ``Source``: its warning and history
models, the foreign key to the subject, the rules in force at an instant, and how to compile one
rule's condition into ONE SQL query of the triples ``(w_subject, w_code, w_key)`` for which it
holds. It registers the source from its ``AppConfig.ready`` (``register``); core imports no app.

The writer never loads subjects into Python: for each rule it wraps the condition in set-based
statements —

1. INSERT … SELECT the triples that have no open warning yet (opened);
2. UPDATE the open warnings whose triple left the set (closed, with the source's reason);
3. UPDATE the open warnings old enough to go up to the district, then the city centre;

— and after each statement that changed rows, one INSERT … SELECT writes their history, found by
the statement's run token. A second run with nothing changed writes nothing.

``sweep(at)`` is the one full run (``fazhi scan`` and the periodic huey task,
fazhi.core.tasks): every source, each rule in its own transaction, then the rules no longer in
force closed, then the registered sweep steps (e.g. escalating unanswered 督办 orders), each in
its own transaction. ``refresh(source, ids, at=…)`` brings the warnings of a few subjects in line
inside the caller's transaction (record_event, an application's step, an order's answer).
"""

from __future__ import annotations

# S608: the statements below interpolate only table and column names (from Django's model
# metadata, quoted) and SQL compiled by the ORM; every value is a bound parameter.
# ruff: noqa: S608
import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from pydantic import Field, model_validator

from fazhi.core import progress
from fazhi.core.append_only import AppendOnly
from fazhi.core.rulepacks import Strict

# --- What every warning shares -----------------------------------------------------------------


class WarningLevel(models.TextChoices):  # 预警等级
    HINT = "hint", _("提示")
    WARNING = "warning", _("预警")
    ALARM = "alarm", _("告警")


LEVEL_CSS = {
    WarningLevel.HINT: "level-yellow",
    WarningLevel.WARNING: "level-orange",
    WarningLevel.ALARM: "level-red",
}


class WarningState(models.TextChoices):
    OPEN = "open", _("未消除")
    CLOSED = "closed", _("已消除")


class Escalated(models.TextChoices):  # 推送层级
    UNIT = "unit", _("办案单位")
    DISTRICT = "district", _("区县局执法办案管理中心")
    CITY = "city", _("市局执法监督管理中心")


class CloseReason(models.TextChoices):  # why the condition no longer holds
    CASE_CLOSED = "case_closed", _("案件已结案")
    DEADLINE_MET = "deadline_met", _("期限内已登记相应环节")
    DEADLINE_MET_LATE = "deadline_met_late", _("已登记相应环节（已超期）")
    DEADLINE_STOPPED = "deadline_stopped", _("期限中止计算或不再适用")
    DEADLINE_EXTENDED = "deadline_extended", _("期限已延长")
    DEADLINE_PASSED = "deadline_passed", _("期限已届满，转为超期告警")
    DEADLINE_REDATED = "deadline_redated", _("期限已重新计算")
    DEADLINE_GONE = "deadline_gone", _("期限已不存在（环节已更正）")
    EVENT_RECORDED = "event_recorded", _("已登记应有的环节")
    HANDLER_QUALIFIED = "handler_qualified", _("办案民警执法资格和在岗状态已恢复正常")
    NO_LONGER_APPLIES = "no_longer_applies", _("情形已不存在")
    ORDER_ANSWERED = "order_answered", _("督办单已答复")
    RULE_RETIRED = "rule_retired", _("预警规则已停用")


class WarningEventKind(models.TextChoices):
    OPENED = "opened", _("预警")
    ESCALATED = "escalated", _("升级推送")
    ACKNOWLEDGED = "acknowledged", _("签收")
    CLOSED = "closed", _("消除")


class Duration(Strict):
    """A lead time or an age: ``{hours: 6}``, ``{days: 3}`` (plain clock time, not working days)."""

    days: int = Field(default=0, ge=0)
    hours: int = Field(default=0, ge=0)

    @property
    def delta(self) -> dt.timedelta:
        return dt.timedelta(days=self.days, hours=self.hours)


class Escalation(Strict):
    """When an open warning goes up: to the district centre, then to the city centre."""

    district_after: Duration | None = None
    city_after: Duration | None = None

    @model_validator(mode="after")
    def _city_after_district(self) -> Escalation:
        if (
            self.district_after is not None
            and self.city_after is not None
            and self.city_after.delta < self.district_after.delta
        ):
            raise ValueError("city_after is shorter than district_after")
        return self


class Rule(Protocol):
    """What the engine reads of a rule; each app's rule schema has at least these."""

    code: str
    name: str
    level: str
    basis: str
    escalation: Escalation


# --- The abstract tables -------------------------------------------------------------------------


class StepRecord(AppendOnly, models.Model):
    """When and by whom a step of a warning's or an order's life happened. Append-only."""

    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作方"), max_length=150)  # username or "system:scan"

    class Meta:
        abstract = True


class AbstractWarning(models.Model):  # 预警
    """One warning of one rule about one subject (and the deadline or object it is about).

    The concrete model adds the foreign key to its subject (named by its Source), its Meta with
    the partial unique constraint ``(rule, <subject>, deadline_code, subject_key) WHERE state =
    'open'``, and ``warning_closed_has_time``.
    """

    rule = models.CharField(_("预警规则"), max_length=40)
    name = models.CharField(_("预警名称"), max_length=100)
    level = models.CharField(_("等级"), max_length=8, choices=WarningLevel.choices)
    basis = models.CharField(_("依据"), max_length=300)
    deadline_code = models.CharField(_("期限"), max_length=40, blank=True)
    subject_key = models.CharField(_("对象"), max_length=40, blank=True)  # deadline key, officer id
    state = models.CharField(
        _("状态"), max_length=8, choices=WarningState.choices, default=WarningState.OPEN
    )
    opened_at = models.DateTimeField(_("预警时间"))
    escalated_level = models.CharField(
        _("推送层级"), max_length=8, choices=Escalated.choices, default=Escalated.UNIT
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签收人"),
    )
    closed_at = models.DateTimeField(_("消除时间"), null=True, blank=True)
    closed_reason = models.CharField(
        _("消除原因"), max_length=24, choices=CloseReason.choices, blank=True
    )
    # The writer's step that last wrote the row: lets one INSERT … SELECT write the history of
    # exactly the rows that one set-based statement changed.
    run_token = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def css(self) -> str:
        return (
            LEVEL_CSS.get(WarningLevel(self.level), "") if self.level in WarningLevel.values else ""
        )


class AbstractWarningEvent(StepRecord):  # 预警记录
    """One step in a warning's life. Append-only. The concrete model adds ``warning``."""

    update_refused = _("预警记录只能追加。")
    delete_refused = _("预警记录只能追加，不能删除。")

    kind = models.CharField(_("事项"), max_length=16, choices=WarningEventKind.choices)
    escalated_level = models.CharField(
        _("推送层级"), max_length=8, choices=Escalated.choices, blank=True
    )
    reason = models.CharField(_("原因"), max_length=24, choices=CloseReason.choices, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.warning_id}:{self.kind}"  # type: ignore[attr-defined]


# --- Sources -------------------------------------------------------------------------------------


def no_longer_applies(rule: Any, table: str, at: dt.datetime, ops: Any) -> tuple[str, list[Any]]:
    """The close reason of a source that does not tell why: 情形已不存在."""
    return "%s", [CloseReason.NO_LONGER_APPLIES]


def compiled(qs: QuerySet[Any, Any], using: str) -> tuple[str, list[Any]]:
    """Return the SQL and params of QS compiled for the connection USING."""
    sql, params = qs.query.get_compiler(using=using).as_sql()
    return sql, list(params)


@dataclass(frozen=True)
class Source:
    """What an app declares to have its subjects watched by warning rules.

    ``condition(rule, at, ids, using)`` returns ONE SELECT (and its params, compiled for the
    connection USING) of the columns ``w_subject`` (the subject's id), ``w_code`` (the deadline
    code, or ``''``) and ``w_key`` (the subject key, or ``''``) of every triple for which RULE
    holds at AT — limited to the subjects IDS unless None. ``close_reason(rule, table, at,
    ops)`` is the SQL expression (and params) of why a warning in TABLE closes.
    """

    name: str  # "case", "application", …
    warning: type[models.Model]  # the concrete AbstractWarning
    history: type[models.Model]  # the concrete AbstractWarningEvent
    subject: str  # the warning's foreign key to its subject, e.g. "case"
    rules: Callable[[dt.datetime], Sequence[Any]]  # the rules in force at an instant
    condition: Callable[[Any, dt.datetime, list[int] | None, str], tuple[str, list[Any]]]
    close_reason: Callable[[Any, str, dt.datetime, Any], tuple[str, list[Any]]] = no_longer_applies
    actor: str = "system:scan"  # the actor label of the history and of the audit entries
    audit_action: str = "warnings.sweep"
    audit_target: str = "warnings.rule"
    # Optional: whether this installation can run RULE (and why not) …
    supported: Callable[[Any], tuple[bool, str]] | None = None
    # … the rules that can hold for IDS, or have a warning open on them (with_open), read on
    # the connection USING: relevant(rules, ids, with_open, using) …
    relevant: Callable[[list[Any], list[int], bool, str], list[Any]] | None = None
    # … and what to do before a full run (e.g. give the planner statistics).
    prepare: Callable[[str], None] | None = None

    @property
    def column(self) -> str:
        field = self.warning._meta.get_field(self.subject)
        if not isinstance(field, models.ForeignKey):
            raise TypeError(f"{self.warning.__name__}.{self.subject} is not a foreign key")
        return str(field.column)


_SOURCES: dict[str, Source] = {}
_STEPS: dict[str, Callable[[dt.datetime], int]] = {}


def register(source: Source) -> None:
    """Register SOURCE (from its app's AppConfig.ready); a second registration replaces it."""
    _SOURCES[source.name] = source


def register_step(name: str, step: Callable[[dt.datetime], int]) -> None:
    """Register a step the sweep runs after the warnings (in its own transaction)."""
    _STEPS[name] = step


def sources() -> dict[str, Source]:
    return dict(_SOURCES)


def source(name: str) -> Source:
    try:
        return _SOURCES[name]
    except KeyError:
        raise LookupError(f"no warning source {name!r} is registered") from None


# --- Results -------------------------------------------------------------------------------------


@dataclass
class SourceResult:
    opened: int = 0
    closed: int = 0
    escalated: int = 0
    by_rule: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # rules this installation cannot evaluate

    def add(self, code: str, opened: int, closed: int, escalated: int) -> None:
        self.opened += opened
        self.closed += closed
        self.escalated += escalated
        if opened or closed or escalated:
            self.by_rule[code] = (opened, closed, escalated)


@dataclass
class SweepResult:
    sources: dict[str, SourceResult] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)

    @property
    def opened(self) -> int:
        return sum(r.opened for r in self.sources.values())

    @property
    def closed(self) -> int:
        return sum(r.closed for r in self.sources.values())

    @property
    def escalated(self) -> int:
        return sum(r.escalated for r in self.sources.values())


# --- The writer ----------------------------------------------------------------------------------


def no_jit(using: str = DEFAULT_DB_ALIAS) -> None:
    """On PostgreSQL, switch JIT compilation off for the rest of the transaction.

    The writer's statements are estimated expensive enough for PostgreSQL to JIT-compile them
    (with inlining and optimisation), which costs 0.3–0.6 s per statement and more than it
    saves: at 1,000,000 cases it doubled the full scan.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


class _Writer:
    """Set-based statements on one source's warning and history tables, on one connection."""

    def __init__(self, src: Source, at: dt.datetime, using: str) -> None:
        self.src = src
        self.connection = connections[using]
        self.ops = self.connection.ops
        qn = self.ops.quote_name
        self.q = qn
        self.table = qn(src.warning._meta.db_table)
        self.events = qn(src.history._meta.db_table)
        self.subject = qn(src.column)
        self.at = at
        self.at_db = self.ops.adapt_datetimefield_value(at)

    def execute(self, sql: str, params: list[Any]) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return max(int(cursor.rowcount), 0)

    def history(self, token: str, kind: str, *, with_reason: bool = False) -> None:
        """Write one history row for each row the statement tagged with TOKEN changed."""
        q, t = self.q, self.table
        reason = f"{t}.{q('closed_reason')}" if with_reason else "''"
        self.execute(
            f"INSERT INTO {self.events} ({q('warning_id')}, {q('kind')}, {q('at')},"
            f" {q('actor_label')}, {q('escalated_level')}, {q('reason')})"
            f" SELECT {t}.{q('id')}, %s, %s, %s, {t}.{q('escalated_level')}, {reason}"
            f" FROM {t} WHERE {t}.{q('run_token')} = %s",
            [kind, self.at_db, self.src.actor, token],
        )

    def scope(self, ids: list[int] | None) -> tuple[str, list[Any]]:
        if ids is None:
            return "", []
        marks = ", ".join(["%s"] * len(ids))
        return f" AND {self.table}.{self.subject} IN ({marks})", list(ids)


def apply_rule(
    src: Source,
    rule: Any,
    at: dt.datetime,
    ids: list[int] | None,
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> tuple[int, int, int]:
    """Open, close and escalate RULE's warnings at AT; return (opened, closed, escalated)."""
    w = _Writer(src, at, using)
    q, t, s = w.q, w.table, w.subject
    cond_sql, cond_params = src.condition(rule, at, ids, using)
    open_ = WarningState.OPEN
    match = (
        f"c.w_subject = {t}.{s} AND c.w_code = {t}.{q('deadline_code')}"
        f" AND c.w_key = {t}.{q('subject_key')}"
    )
    # 1. Open: the triples without an open warning. ON CONFLICT: a concurrent run got there first.
    open_token = uuid.uuid4().hex
    insert = (
        f"INSERT INTO {t} ({s}, {q('rule')}, {q('name')}, {q('level')}, {q('basis')},"
        f" {q('deadline_code')}, {q('subject_key')}, {q('state')}, {q('opened_at')},"
        f" {q('escalated_level')}, {q('closed_reason')}, {q('run_token')})"
        f" SELECT c.w_subject, %s, %s, %s, %s, c.w_code, c.w_key, %s, %s, %s, '', %s"
        " FROM {source} c"
        f" WHERE NOT EXISTS (SELECT 1 FROM {t} WHERE {t}.{q('state')} = %s"
        f" AND {t}.{q('rule')} = %s AND {match}) ON CONFLICT DO NOTHING"
    )
    insert_params = [rule.code, rule.name, rule.level, rule.basis, open_, w.at_db, Escalated.UNIT]
    insert_params += [open_token]
    # 2. Close: open warnings whose triple left the set, with the reason the source gives.
    close_token = uuid.uuid4().hex
    reason_sql, reason_params = src.close_reason(rule, t, at, w.ops)
    scope_sql, scope_params = w.scope(ids)
    update = (
        f"UPDATE {t} SET {q('state')} = %s, {q('closed_at')} = %s,"
        f" {q('closed_reason')} = {reason_sql}, {q('run_token')} = %s"
        f" WHERE {t}.{q('state')} = %s AND {t}.{q('rule')} = %s{scope_sql}"
        " AND NOT EXISTS (SELECT 1 FROM {source} c WHERE " + match + ")"
    )
    update_params = [WarningState.CLOSED, w.at_db, *reason_params, close_token, open_, rule.code]
    update_params += scope_params
    if w.connection.vendor == "postgresql":
        # One statement: the condition is evaluated once (a materialised CTE, held in memory)
        # for both steps, instead of once to open and again, as a hashed anti-join, to close.
        with w.connection.cursor() as cursor:
            cursor.execute(
                f"WITH c AS MATERIALIZED ({cond_sql}),"
                f" opened AS ({insert.replace('{source}', 'c')} RETURNING 1),"
                f" closed AS ({update.replace('{source}', 'c')} RETURNING 1)"
                " SELECT (SELECT COUNT(*) FROM opened), (SELECT COUNT(*) FROM closed)",
                [*cond_params, *insert_params, open_, rule.code, *update_params],
            )
            opened, closed = cursor.fetchone()
        if opened:
            w.history(open_token, WarningEventKind.OPENED)
    else:
        sub = f"({cond_sql})"
        opened = w.execute(
            insert.replace("{source}", sub), [*insert_params, *cond_params, open_, rule.code]
        )
        if opened:
            w.history(open_token, WarningEventKind.OPENED)
        closed = w.execute(update.replace("{source}", sub), [*update_params, *cond_params])
    if closed:
        w.history(close_token, WarningEventKind.CLOSED, with_reason=True)
    # 3. Escalate by age: to the district centre, then to the city centre. An incremental run
    # escalates only what it has just opened (an escalation at once); ages are the sweep's.
    escalated = 0
    if ids is None or opened:
        steps = [
            (rule.escalation.district_after, Escalated.DISTRICT, [Escalated.UNIT]),
            (rule.escalation.city_after, Escalated.CITY, [Escalated.UNIT, Escalated.DISTRICT]),
        ]
        for after, level, below in steps:
            if after is None:
                continue
            token = uuid.uuid4().hex
            marks = ", ".join(["%s"] * len(below))
            changed = w.execute(
                f"UPDATE {t} SET {q('escalated_level')} = %s, {q('escalated_at')} = %s,"
                f" {q('run_token')} = %s WHERE {t}.{q('state')} = %s AND {t}.{q('rule')} = %s"
                f" AND {t}.{q('escalated_level')} IN ({marks}) AND {t}.{q('opened_at')} <= %s"
                f"{scope_sql}",
                [
                    level,
                    w.at_db,
                    token,
                    open_,
                    rule.code,
                    *below,
                    w.ops.adapt_datetimefield_value(at - after.delta),
                    *scope_params,
                ],
            )
            if changed:
                w.history(token, WarningEventKind.ESCALATED)
            escalated += changed
    return opened, closed, escalated


def close_retired(
    src: Source, codes: list[str], at: dt.datetime, *, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Close the open warnings of SRC's rules no longer in force (removed or ended files)."""
    w = _Writer(src, at, using)
    q, t = w.q, w.table
    token = uuid.uuid4().hex
    marks = ", ".join(["%s"] * len(codes)) or "''"
    closed = w.execute(
        f"UPDATE {t} SET {q('state')} = %s, {q('closed_at')} = %s, {q('closed_reason')} = %s,"
        f" {q('run_token')} = %s WHERE {q('state')} = %s AND {q('rule')} NOT IN ({marks})",
        [WarningState.CLOSED, w.at_db, CloseReason.RULE_RETIRED, token, WarningState.OPEN, *codes],
    )
    if closed:
        w.history(token, WarningEventKind.CLOSED, with_reason=True)
    return closed


# --- Running the rules ---------------------------------------------------------------------------


def _runnable(src: Source, chosen: Iterable[Any], result: SourceResult) -> list[Any]:
    out = []
    for rule in chosen:
        ok, why = src.supported(rule) if src.supported else (True, "")
        if ok:
            out.append(rule)
        else:
            result.skipped.append(f"{rule.code}: {why}")
    return out


def run_source(
    src: Source | str,
    at: dt.datetime,
    *,
    rules: Sequence[Any] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> SourceResult:
    """Bring every warning of SRC in line with its rules at AT (or with RULES only).

    Each rule in its own transaction, with one audit entry when it changed something: a run
    killed mid-way leaves every rule either applied or not, and the next run repairs the rest.
    With all the rules in force, the warnings of rules no longer in force are then closed.
    """
    from fazhi.core import auditing as audit  # the audit app's log, through the hook

    src = source(src) if isinstance(src, str) else src
    result = SourceResult()
    chosen = list(src.rules(at)) if rules is None else list(rules)
    if src.prepare is not None:
        src.prepare(using)
    runnable = _runnable(src, chosen, result)
    progress.count(str(_("预警规则")), len(runnable))
    for rule in runnable:
        with transaction.atomic(using=using):
            no_jit(using)
            counts = apply_rule(src, rule, at, None, using=using)
            if any(counts) and using == DEFAULT_DB_ALIAS:  # not the examples' database
                audit.record(
                    src.actor,
                    src.audit_action,
                    (src.audit_target, rule.code, rule.name),
                    changes={
                        "at": at,
                        "opened": counts[0],
                        "closed": counts[1],
                        "escalated": counts[2],
                    },
                )
        result.add(rule.code, *counts)
        progress.advance()
    if rules is None:
        # The codes in force of every source writing to this table (sources may share one).
        codes = {rule.code for rule in chosen}
        for other in _SOURCES.values():
            if other is not src and other.warning is src.warning:
                codes.update(rule.code for rule in other.rules(at))
        with transaction.atomic(using=using):
            result.add("-", 0, close_retired(src, sorted(codes), at, using=using), 0)
    return result


def refresh(
    src: Source | str,
    ids: Iterable[int],
    *,
    at: dt.datetime,
    rules: Sequence[Any] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> SourceResult:
    """Bring the warnings of the subjects IDS of SRC in line at AT, in one transaction.

    Called inside the caller's transaction (record_event, an application's step, an order's
    answer), so the subject's warnings are right as soon as its change commits. Only the rules
    the source calls relevant to IDS run; no audit entry (the caller's change has its own).
    """
    src = source(src) if isinstance(src, str) else src
    result = SourceResult()
    chosen_ids = sorted(set(ids))
    if not chosen_ids:
        return result
    chosen = list(src.rules(at)) if rules is None else list(rules)
    runnable = _runnable(src, chosen, result)
    with transaction.atomic(using=using):
        no_jit(using)
        if src.relevant is not None:
            runnable = src.relevant(runnable, chosen_ids, True, using)
        for rule in runnable:
            result.add(rule.code, *apply_rule(src, rule, at, chosen_ids, using=using))
    return result


def sweep(at: dt.datetime, *, using: str = DEFAULT_DB_ALIAS) -> SweepResult:
    """The one full run: every source's rules (each in its own transaction), then every step.

    Its start, end and counts are kept in the ``sweep`` heartbeat (``fazhi status``, /metrics).
    """
    from django.utils import timezone
    from django.utils.translation import gettext

    started = timezone.now()
    result = SweepResult()
    progress.plan(len(_SOURCES) + (1 if _STEPS else 0))  # fazhi scan: a stage per source
    for name, src in sorted(_SOURCES.items()):
        subject = src.warning._meta.get_field(src.subject).related_model
        label = subject._meta.verbose_name if isinstance(subject, type) else name
        progress.stage(gettext("%(subject)s预警") % {"subject": label})
        result.sources[name] = run_source(src, at, using=using)
    if _STEPS:
        progress.stage(gettext("后续处理"))
    for name, step in sorted(_STEPS.items()):
        with transaction.atomic(using=using):
            result.steps[name] = step(at)
    if using == DEFAULT_DB_ALIAS:
        from fazhi.core.models import beat

        beat("sweep", started_at=started, opened=result.opened, closed=result.closed)
    return result


# --- Examples through the production path ----------------------------------------------------------

EXAMPLES_DB = "fazhi_rule_examples"
_examples = threading.local()


def _example_connection() -> Any:
    """The connection of this thread's in-memory SQLite database holding every table.

    It is no database of the installation: the examples need none, so it is opened whatever
    the configured database is, and even where the test runner blocks database access (its
    own ``ensure_connection``). The schema is created once per thread, from the models.
    """
    from django.db.backends.sqlite3.base import DatabaseWrapper

    class ExamplesWrapper(DatabaseWrapper):
        def ensure_connection(self) -> None:
            if self.connection is None:
                with self.wrap_database_errors:
                    self.connect()

    connection = getattr(_examples, "connection", None)
    if connection is None:
        memory = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
        settings_dict = connections.configure_settings(
            {DEFAULT_DB_ALIAS: dict(memory), EXAMPLES_DB: memory}
        )[EXAMPLES_DB]
        connection = ExamplesWrapper(settings_dict, EXAMPLES_DB)
        _examples.connection = connection
    connections.settings[EXAMPLES_DB] = connection.settings_dict
    connections[EXAMPLES_DB] = connection
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")  # examples write only the rows they need
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_content_type'")
        if cursor.fetchone() is None:
            from django.apps import apps

            with connection.schema_editor() as editor:
                for model in apps.get_models():
                    if model._meta.managed and not model._meta.proxy:
                        editor.create_model(model)
    return connection


@contextmanager
def example_database() -> Iterator[str]:
    """Yield the alias of an in-memory database with the schema; whatever is written is rolled
    back. The rule files' examples build their rows there and run the writer's real SQL."""
    _example_connection()
    try:
        with transaction.atomic(using=EXAMPLES_DB):
            try:
                yield EXAMPLES_DB
            finally:
                transaction.set_rollback(True, using=EXAMPLES_DB)
    finally:
        # The alias exists only while an example runs: the installation (and a test case's
        # list of the databases it may use) never sees it. The database lives on in this
        # thread's connection object for the next example.
        connections.settings.pop(EXAMPLES_DB, None)
        with suppress(AttributeError):  # not set on this thread
            del connections[EXAMPLES_DB]


def row(model: type[models.Model], using: str, **values: Any) -> models.Model:
    """Insert one row of MODEL on USING with VALUES; a required field not given gets a blank of
    its type (an example writes only what the conditions read)."""
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in values or f.name in values:
            continue
        if f.null or f.has_default():
            continue
        if f.choices:
            values[f.attname] = f.choices[0][0]
        elif isinstance(f, models.ForeignKey):
            values[f.attname] = 1
        elif isinstance(f, models.BooleanField):
            values[f.attname] = False
        elif isinstance(f, models.DateTimeField):
            values[f.attname] = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        elif isinstance(f, models.DateField):
            values[f.attname] = dt.date(2000, 1, 1)
        elif isinstance(f, models.IntegerField | models.DecimalField | models.FloatField):
            values[f.attname] = 0
        elif isinstance(f, models.JSONField):
            values[f.attname] = {}
        else:  # unique, as some columns must be (an officer's ID number, a case number …)
            values[f.attname] = uuid.uuid4().hex[: f.max_length or 32]
    obj = model(**values)
    obj.save_base(using=using, raw=True, force_insert=True)
    return obj


__all__ = [
    "LEVEL_CSS",
    "AbstractWarning",
    "AbstractWarningEvent",
    "CloseReason",
    "Duration",
    "Escalated",
    "Escalation",
    "Source",
    "SourceResult",
    "StepRecord",
    "SweepResult",
    "WarningEventKind",
    "WarningLevel",
    "WarningState",
    "apply_rule",
    "compiled",
    "example_database",
    "refresh",
    "register",
    "register_step",
    "row",
    "run_source",
    "sweep",
]
