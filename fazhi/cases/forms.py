"""Forms of the case pages: the list filter, opening a case (with its parties), recording an event.

The forms check what a form can check (types, required fields, identity numbers, times not in the
future) so that every error is shown at once, next to its field. The legal rules stay in
fazhi.cases.procedure and fazhi.cases.derive: a refusal from them is shown with its provision.
The API validates its input with these same forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fazhi.cases.labels import choices_of, field_label
from fazhi.cases.models import (
    CaseSource,
    CaseStatus,
    IdType,
    PartyKind,
    PartyRole,
    ProceduralEvent,
)
from fazhi.cases.next_steps import StepOption
from fazhi.cases.packs import DataField, EventSpec, Pack, registry
from fazhi.cases.procedure import BASIS_TWO_OFFICERS, NewCase, NewEvent, NewParty
from fazhi.cases.queries import (
    AWAITING_DEVIATION,
    AWAITING_DOCUMENT,
    AWAITING_REVIEW,
    DUE_OVERDUE,
    DUE_SOON,
    DUE_TODAY,
    SOON_DAYS,
    CaseFilter,
)
from fazhi.catalog.models import EnforcementItem
from fazhi.core import bounds
from fazhi.core.errors import InvalidIdentifier
from fazhi.core.identity import validate_citizen_id, validate_uscc
from fazhi.discretion import preview as benchmark
from fazhi.org.models import Officer, Unit

LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">, read in Asia/Shanghai


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=LOCAL_INPUT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def style(form: forms.BaseForm) -> None:
    """Give every widget its Bootstrap class (no inline styles: CSP)."""
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        widget.attrs.setdefault("class", css)


def _with_blank(
    choices: Iterable[tuple[Any, str | Promise]],
) -> list[tuple[str, str | Promise]]:
    return [("", _("全部")), *[(str(value), label) for value, label in choices]]


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def procedure_choices() -> list[tuple[str, str]]:
    """Return (pack id, pack name) for every procedure pack, newest edition's name."""
    names: dict[str, str] = {}
    for pack in sorted(registry().packs, key=lambda p: p.effective_from):
        names[pack.id] = pack.name
    return [(pack_id, gettext(names[pack_id])) for pack_id in registry().ids()]


def first_event_choices() -> list[tuple[str, str]]:
    """Return the events that may open a case in some pack (接报, 受案 …)."""
    seen: dict[str, str] = {}
    for pack in registry().packs:
        for spec in pack.events:
            if spec.first:
                seen.setdefault(spec.code, spec.name)
    return list(seen.items())


def _not_in_future(value: dt.datetime | None, now: dt.datetime) -> None:
    if value is not None and value > now:
        raise forms.ValidationError(
            gettext("%(at)s 晚于当前时间，不能登记将来的时间。")
            % {"at": timezone.localtime(value).strftime("%Y-%m-%d %H:%M")}
        )


def _item_by_code(value: str) -> EnforcementItem:
    code = (value or "").split(" ", 1)[0].strip()
    item = EnforcementItem.objects.filter(code=code, is_active=True).first()
    if item is None:
        raise forms.ValidationError(
            gettext("执法事项 %(code)s 不存在或已失效。") % {"code": code or value}
        )
    return item


class CaseFilterForm(forms.Form):
    unit = forms.ChoiceField(label=_("单位（含下级）"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_with_blank(CaseStatus.choices)
    )
    item = forms.CharField(label=_("执法事项编码"), required=False, max_length=40)
    procedure = forms.ChoiceField(label=_("办案程序"), required=False)
    due_within_days = forms.IntegerField(
        label=_("期限在几日内届满"), required=False, min_value=0, max_value=366
    )
    overdue = forms.BooleanField(label=_("已超期"), required=False)
    q = forms.CharField(label=_("案件编号或案由"), required=False, max_length=50)
    mine = forms.BooleanField(label=_("我办理的"), required=False)
    due = forms.ChoiceField(label=_("最近期限"), required=False)
    awaiting = forms.ChoiceField(
        label=_("待办"),
        required=False,
        choices=[
            ("", _("全部")),
            (AWAITING_REVIEW, _("待法制审核")),
            (AWAITING_DOCUMENT, _("决定待制作文书")),
            (AWAITING_DEVIATION, _("偏离裁量基准待核")),
        ],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        _choice_field(self, "due").choices = [
            ("", _("全部")),
            (DUE_OVERDUE, _("已超期")),
            (DUE_TODAY, _("今日到期")),
            (DUE_SOON, _("%(days)d 日内到期（不含今日）") % {"days": SOON_DAYS}),
        ]
        if getattr(user, "officer", None) is None:
            del self.fields["mine"]  # only an officer handles cases
        units = Unit.objects.visible_to(user).only("code", "name", "depth")
        _choice_field(self, "unit").choices = [("", _("全部"))] + [
            (unit.code, f"{'　' * (unit.depth - 1)}{unit.name}") for unit in units
        ]
        _choice_field(self, "procedure").choices = _with_blank(procedure_choices())
        self.fields["item"].widget.attrs["list"] = "item-options"
        style(self)

    def to_filter(self) -> CaseFilter:
        if not self.is_valid():
            return CaseFilter()
        data = self.cleaned_data
        return CaseFilter(
            unit_code=data["unit"] or "",
            status=data["status"] or "",
            item_code=(data["item"] or "").split(" ", 1)[0],
            procedure=data["procedure"] or "",
            due_within_days=data["due_within_days"],
            overdue=bool(data["overdue"]),
            search=data["q"] or "",
            handler_id=self.user.officer.pk if data.get("mine") else None,
            due=data["due"] or "",
            awaiting=data["awaiting"] or "",
        )


if TYPE_CHECKING:
    _OfficerField = forms.ModelMultipleChoiceField[Officer]
    _EventField = forms.ModelChoiceField[ProceduralEvent]
else:  # not subscriptable at run time (no django_stubs_ext)
    _OfficerField = forms.ModelMultipleChoiceField
    _EventField = forms.ModelChoiceField


class OfficerChoices(_OfficerField):
    def label_from_instance(self, obj: Officer) -> str:
        return f"{obj.name}（{obj.police_number}）· {obj.unit.name}"


def default_unit(user: Any) -> Unit | None:
    """Return the unit a case opened by USER defaults to: their own unit, else their scope."""
    officer = getattr(user, "officer", None)
    visible = Unit.objects.visible_to(user)
    if officer is not None and visible.filter(pk=officer.unit_id).exists():
        return cast(Unit, officer.unit)
    return cast("Unit | None", user.scope_unit)


class CaseOpenForm(forms.Form):
    """受案登记: the case, its handlers and its first event; parties come in PartyFormSet."""

    unit = forms.ModelChoiceField(
        label=_("办案单位"), queryset=Unit.objects.none(), to_field_name="code"
    )
    item = forms.CharField(
        label=_("执法事项"),
        max_length=250,
        help_text=_("输入事项编码或名称后从列表中选择。"),
    )
    procedure = forms.ChoiceField(label=_("办案程序"))
    title = forms.CharField(label=_("案由"), max_length=200)
    source = forms.ChoiceField(label=_("案件来源"), choices=CaseSource.choices)
    act_at = forms.DateTimeField(
        label=_("违法行为时间"), widget=LocalDateTimeInput, validators=[bounds.check_plausible_day]
    )
    act_place = forms.CharField(label=_("违法行为地点"), max_length=200)
    summary = forms.CharField(
        label=_("简要案情"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    handlers = OfficerChoices(
        label=_("办案民警"),
        queryset=Officer.objects.none(),
        to_field_name="police_number",
        help_text=_("至少两名；按住 Ctrl 多选，第一位为主办。"),
    )
    legal_officer = forms.ModelChoiceField(
        label=_("法制员"),
        queryset=Officer.objects.none(),
        required=False,
        to_field_name="police_number",
    )
    first_kind = forms.ChoiceField(label=_("首个环节"))
    first_at = forms.DateTimeField(
        label=_("首个环节时间"), widget=LocalDateTimeInput, validators=[bounds.check_plausible_day]
    )
    offence = forms.ChoiceField(
        label=_("违法行为"),
        required=False,
        help_text=_("裁量基准中的违法行为；指定后，决定时按基准给出建议幅度。"),
    )

    def __init__(self, *args: Any, user: Any, now: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        _choice_field(self, "offence").choices = [
            ("", _("（不指定）")),
            *[(code, label.split(" ", 1)[-1]) for code, label in benchmark.offence_choices()],
        ]
        _model_choice_field(self, "unit").queryset = Unit.objects.visible_to(user)
        officers = Officer.objects.visible_to(user).select_related("unit")
        _model_choice_field(self, "handlers").queryset = officers
        _model_choice_field(self, "legal_officer").queryset = officers
        _choice_field(self, "procedure").choices = procedure_choices()
        _choice_field(self, "first_kind").choices = [
            (code, gettext(name)) for code, name in first_event_choices()
        ]
        self.fields["item"].widget.attrs["list"] = "item-options"
        self.fields["handlers"].widget.attrs["size"] = 6
        if not self.is_bound:
            self._set_defaults(user, now)
        style(self)

    def _set_defaults(self, user: Any, now: dt.datetime) -> None:
        """My unit, me as the main handler, 受案 now, the general procedure (all may be changed)."""
        officer = getattr(user, "officer", None)
        unit = default_unit(user)
        local_now = timezone.localtime(now).replace(second=0, microsecond=0)
        procedures = [value for value, _label in procedure_choices()]
        self.initial.setdefault("unit", unit.code if unit else None)
        if officer is not None:
            self.initial.setdefault("handlers", [officer.police_number])
        self.initial.setdefault("act_at", local_now)
        self.initial.setdefault("first_at", local_now)
        self.initial.setdefault("first_kind", "accept")
        self.initial.setdefault("source", CaseSource.CALL)
        if "zhian-general" in procedures:
            self.initial.setdefault("procedure", "zhian-general")

    def clean_item(self) -> EnforcementItem:
        return _item_by_code(self.cleaned_data["item"])

    def clean_act_at(self) -> dt.datetime:
        _not_in_future(self.cleaned_data["act_at"], self.now)
        return cast(dt.datetime, self.cleaned_data["act_at"])

    def clean_first_at(self) -> dt.datetime:
        _not_in_future(self.cleaned_data["first_at"], self.now)
        return cast(dt.datetime, self.cleaned_data["first_at"])

    def clean_handlers(self) -> list[Officer]:
        officers = list(self.cleaned_data["handlers"])
        # Keep the order in which they were given: the first is the lead handler (主办).
        order = (
            [str(v) for v in self.data.getlist(self.add_prefix("handlers"))]
            if hasattr(self.data, "getlist")
            else [str(v) for v in self.data.get(self.add_prefix("handlers"), [])]
        )
        officers.sort(key=lambda o: order.index(o.police_number) if o.police_number in order else 0)
        return officers

    def pack(self) -> Pack | None:
        """Return the procedure pack in force on the first event's day, once the form is clean."""
        procedure = self.cleaned_data.get("procedure")
        first_at = self.cleaned_data.get("first_at")
        if not procedure or first_at is None:
            return None
        try:
            return registry().for_case(procedure, timezone.localtime(first_at).date())
        except KeyError:
            return None

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        procedure, first_at = data.get("procedure"), data.get("first_at")
        pack = self.pack()
        if procedure and first_at is not None and pack is None:
            self.add_error(
                "procedure",
                gettext("办案程序 %(procedure)s 在 %(day)s 没有施行中的规则。")
                % {"procedure": procedure, "day": timezone.localtime(first_at).date()},
            )
        minimum = pack.min_handlers if pack else 2
        handlers = data.get("handlers")
        if handlers is not None and len(handlers) < minimum:
            self.add_error(
                "handlers",
                gettext("执法人员不得少于两人（本程序至少 %(n)d 人）。依据：%(basis)s")
                % {"n": minimum, "basis": BASIS_TWO_OFFICERS},
            )
        if pack and data.get("first_kind"):
            try:
                if not pack.event(data["first_kind"]).first:
                    raise KeyError(data["first_kind"])
            except KeyError:
                self.add_error("first_kind", gettext("该办案程序不能以此环节开始。"))
        act_at = data.get("act_at")
        if act_at and first_at and act_at > first_at:
            self.add_error("act_at", gettext("违法行为时间晚于首个环节时间。"))
        return data

    def to_domain(self, parties: tuple[NewParty, ...]) -> tuple[NewCase, NewEvent]:
        data = self.cleaned_data
        new = NewCase(
            unit=data["unit"],
            item=data["item"],
            procedure=data["procedure"],
            title=data["title"],
            source=data["source"],
            act_at=data["act_at"],
            act_place=data["act_place"],
            handlers=tuple(data["handlers"]),
            legal_officer=data["legal_officer"],
            parties=parties,
            summary=data["summary"],
            offence_code=data.get("offence") or "",
        )
        return new, NewEvent(data["first_kind"], data["first_at"])


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=PartyKind.choices, initial=PartyKind.PERSON)
    role = forms.ChoiceField(label=_("身份"), choices=PartyRole.choices, initial=PartyRole.SUSPECT)
    name = forms.CharField(label=_("姓名/名称"), max_length=100)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdType.choices, initial=IdType.CITIZEN_ID
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=40)
    nationality = forms.CharField(label=_("国籍"), max_length=3, initial="CHN")
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=DateInput, validators=[bounds.check_birth_day]
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        kind, id_type, number = data.get("kind"), data.get("id_type"), data.get("id_number")
        if kind == PartyKind.ORGANISATION and id_type and id_type != IdType.USCC:
            self.add_error("id_type", gettext("单位当事人应登记统一社会信用代码。"))
            return data
        if kind == PartyKind.PERSON and id_type == IdType.USCC:
            self.add_error("id_type", gettext("自然人当事人不能登记统一社会信用代码。"))
            return data
        if number and id_type:
            try:
                if id_type == IdType.USCC:
                    validate_uscc(number)
                elif id_type == IdType.CITIZEN_ID:
                    validate_citizen_id(number)
                elif data.get("birth_date") is None:
                    self.add_error("birth_date", gettext("外国人或其他证件当事人须登记出生日期。"))
            except InvalidIdentifier as exc:
                self.add_error("id_number", str(exc))
        return data

    def to_domain(self) -> NewParty:
        data = self.cleaned_data
        return NewParty(
            kind=data["kind"],
            role=data["role"],
            name=data["name"],
            id_type=data["id_type"],
            id_number=data["id_number"],
            nationality=data["nationality"] or "CHN",
            birth_date=data["birth_date"],
            phone=data["phone"],
            address=data["address"],
        )


PartyFormSet = forms.formset_factory(
    PartyForm, extra=1, min_num=1, validate_min=True, max_num=20, validate_max=True
)


def party_formset(data: Any = None, **kwargs: Any) -> forms.BaseFormSet[PartyForm]:
    formset = PartyFormSet(
        data,
        prefix="parties",
        # a lazy message: django-stubs hint str only
        error_messages={"too_few_forms": cast(str, _("至少登记一名当事人。"))},
        **kwargs,
    )
    return formset


# --- Recording an event ------------------------------------------------------------------------

DATA_PREFIX = "data_"


def _data_field(spec: DataField) -> forms.Field:
    label = field_label(spec.name, gettext(spec.label) if spec.label else "")
    choices = choices_of(spec.name)
    if choices and spec.type == "text":  # a code the pack tests: offered by its label, not typed
        blank = [] if spec.required else [("", _("（不选）"))]
        return forms.ChoiceField(
            label=label,
            required=spec.required,
            choices=[*blank, *choices],
            widget=forms.RadioSelect if len(choices) <= 3 else forms.Select,
        )
    if spec.type == "bool":
        return forms.BooleanField(label=label, required=spec.required)
    if spec.type in {"int", "decimal"}:  # the provision's maximum, else a sanity bound
        default = bounds.MAX_COUNT if spec.type == "int" else bounds.MAX_YUAN
        top = bounds.at_most(spec.max if spec.max is not None else default, spec.max_basis or "")
        if spec.type == "int":
            return forms.IntegerField(
                label=label, required=spec.required, min_value=0, validators=[top]
            )
        return forms.DecimalField(
            label=label, required=spec.required, min_value=0, decimal_places=2, validators=[top]
        )
    if spec.type == "date":
        return bounds.BoundedDateField(label=label, required=spec.required, widget=DateInput)
    if spec.type == "datetime":
        return forms.DateTimeField(
            label=label,
            required=spec.required,
            widget=LocalDateTimeInput,
            validators=[bounds.check_plausible_day],
        )
    return forms.CharField(label=label, required=spec.required, max_length=500)


def _json_value(value: Any) -> Any:
    """Return VALUE as the event's JSON data holds it (numbers as numbers, times as ISO text)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


FACT_PREFIX = "fact_"
FROM_PARTY = ("offender_birth_date", "organisation")  # facts_of fills them from the suspect


def _fact_field(fact: dict[str, Any]) -> forms.Field:
    """Return the form field of one discretion fact (``Fact.as_dict``): typed, required marked."""
    label, default = fact["label"] or fact["name"], fact["default"]
    required = fact["required"] and fact["type"] != "bool"
    help_text = _("留空则按违法嫌疑人的登记信息认定。") if fact["name"] in FROM_PARTY else ""
    common = {"label": label, "required": required, "help_text": help_text}
    if fact["type"] == "bool":
        return forms.BooleanField(**common, initial=default is True)
    if fact["type"] == "int":
        return forms.IntegerField(**common, min_value=0, initial=default)
    if fact["type"] == "decimal":
        return forms.DecimalField(**common, min_value=0, decimal_places=2, initial=default)
    if fact["type"] == "date":
        return forms.DateField(**common, widget=DateInput, initial=default)
    choices = [(c, benchmark.CHOICE_LABELS.get(c, c)) for c in fact["choices"] or ()]
    blank = [] if required else [("", _("（按默认）"))]
    return forms.ChoiceField(**common, choices=[*blank, *choices], initial=default)


def facts_from(cleaned: dict[str, Any], facts: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the facts given in CLEANED as the event's data["facts"] holds them.

    A box left at its default and an empty field are left out (the engine applies the default;
    the suspect's birth date and kind come from the parties).
    """
    values: dict[str, Any] = {}
    for fact in facts:
        value = cleaned.get(FACT_PREFIX + fact["name"])
        if fact["type"] == "bool":
            if value is not None and bool(value) != (fact["default"] is True):
                values[fact["name"]] = bool(value)
        elif value not in (None, ""):
            values[fact["name"]] = _json_value(value)
    return values


class EventChoice(_EventField):
    def label_from_instance(self, obj: ProceduralEvent) -> str:
        return gettext("%(at)s 登记的环节") % {
            "at": f"{timezone.localtime(obj.occurred_at):%Y-%m-%d %H:%M}"
        }


class EventForm(forms.Form):
    """One procedural step: the fields come from the pack's EventSpec for KIND."""

    kind = forms.ChoiceField(label=_("环节"))
    occurred_at = forms.DateTimeField(
        label=_("发生时间"), widget=LocalDateTimeInput, validators=[bounds.check_plausible_day]
    )

    def __init__(
        self,
        *args: Any,
        case: Any,
        pack: Pack,
        kind: str,
        now: dt.datetime,
        options: list[StepOption] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.case, self.pack, self.now = case, pack, now
        # The steps as the page offers them (fazhi.cases.next_steps); None: every step, unchecked.
        self.step_options = options
        _choice_field(self, "kind").choices = [
            (spec.code, gettext(spec.name)) for spec in pack.events
        ]
        self.fields["kind"].initial = kind
        try:
            self.spec: EventSpec | None = pack.event(kind)
        except KeyError:
            self.spec = None
        if self.spec and self.spec.has_end:
            self.fields["ended_at"] = forms.DateTimeField(
                label=_("结束时间"), required=False, widget=LocalDateTimeInput
            )
        for data_field in self.spec.fields if self.spec else ():
            self.fields[DATA_PREFIX + data_field.name] = _data_field(data_field)
        self.fields["corrects"] = EventChoice(
            label=_("更正的环节"),
            queryset=case.events.filter(kind=kind).order_by("occurred_at", "pk"),
            required=False,
            empty_label=_("（不是更正）"),
        )
        self.fields["correction_reason"] = forms.CharField(
            label=_("更正理由"), required=False, max_length=200
        )
        self.facts = benchmark.offence_facts(case.offence_code) if kind == "decide" else []
        for fact in self.facts:
            self.fields[FACT_PREFIX + fact["name"]] = _fact_field(fact)
        if self.facts:
            self.fields["deviation_reason"] = forms.CharField(
                label=_("偏离理由"),
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("决定超出裁量基准建议幅度的，须书面说明理由。"),
            )
        self.fields["kind"].widget.attrs["data-testid"] = "event-kind"
        style(self)

    @property
    def refused_steps(self) -> list[StepOption]:
        return [o for o in self.step_options or () if not o.allowed]

    @property
    def chosen_step(self) -> StepOption | None:
        kind = self["kind"].value()
        return next((o for o in self.step_options or () if o.code == kind), None)

    def data_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(DATA_PREFIX)]

    def fact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(FACT_PREFIX)]

    def given_facts(self) -> dict[str, Any]:
        """Return the discretion facts given (after ``is_valid``), valid ones only."""
        return facts_from(getattr(self, "cleaned_data", {}), self.facts)

    def clean_occurred_at(self) -> dt.datetime:
        _not_in_future(self.cleaned_data["occurred_at"], self.now)
        return cast(dt.datetime, self.cleaned_data["occurred_at"])

    def clean_ended_at(self) -> dt.datetime | None:
        _not_in_future(self.cleaned_data["ended_at"], self.now)
        return cast("dt.datetime | None", self.cleaned_data["ended_at"])

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        if self.spec is None and data.get("kind"):
            self.add_error(
                "kind", gettext("“%(kind)s”不是本案办案程序中的环节。") % {"kind": data["kind"]}
            )
        started, ended = data.get("occurred_at"), data.get("ended_at")
        if started and ended and ended < started:
            self.add_error("ended_at", gettext("结束时间早于开始时间。"))
        if data.get("corrects") and not (data.get("correction_reason") or "").strip():
            self.add_error("correction_reason", gettext("更正须说明理由。"))
        return data

    def to_domain(self) -> NewEvent:
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name, value in data.items():
            if not name.startswith(DATA_PREFIX) or value in (None, ""):
                continue
            values[name.removeprefix(DATA_PREFIX)] = _json_value(value)
        if self.facts:
            values["facts"] = self.given_facts()
            reason = (data.get("deviation_reason") or "").strip()
            if reason:
                values["deviation_reason"] = reason
        return NewEvent(
            kind=data["kind"],
            occurred_at=data["occurred_at"],
            ended_at=data.get("ended_at"),
            data=values,
            corrects=data.get("corrects"),
            correction_reason=(data.get("correction_reason") or "").strip(),
        )


def form_errors(
    *forms_: forms.BaseForm, formset: forms.BaseFormSet[Any] | None = None
) -> dict[str, list[str]]:
    """Return every error as {field: [messages]}; party fields as ``parties.<i>.<field>``."""
    errors: dict[str, list[str]] = {}
    for form in forms_:
        for name, messages in form.errors.items():
            key = "__all__" if name == "__all__" else name.removeprefix(DATA_PREFIX)
            if name.startswith(DATA_PREFIX):
                key = f"data.{key}"
            elif name.startswith(FACT_PREFIX):
                key = f"data.facts.{name.removeprefix(FACT_PREFIX)}"
            elif name == "deviation_reason":
                key = "data.deviation_reason"
            errors.setdefault(key, []).extend(str(m) for m in messages)
    if formset is not None:
        # one ErrorDict per form (django-stubs hint a list of ErrorList)
        for i, form_errors_ in enumerate(cast("list[dict[str, Any]]", formset.errors)):
            for name, messages in form_errors_.items():
                errors.setdefault(f"parties.{i}.{name}", []).extend(str(m) for m in messages)
        if formset.non_form_errors():
            errors.setdefault("parties", []).extend(str(m) for m in formset.non_form_errors())
    return errors
