"""One sweep (fazhi.core.warnings.sweep) for `fazhi scan` and the periodic task: every source —
case warnings and 警快办 application warnings — each rule in its own transaction, then the sweep
steps (unanswered 督办 orders escalate). ADR 0014."""

import io

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast

from fazhi.core import tasks, warnings
from fazhi.core.roles import Role
from fazhi.services import applications as ops
from fazhi.services.models import Channel, ServiceWarning
from fazhi.services.tests.factories import GOOD_FORM, applicant, citizen, service_item, window_clerk
from fazhi.services.tests.factories import at as service_at
from fazhi.supervision import orders
from fazhi.supervision.models import OrderLevel, SupervisionOrder
from fazhi.supervision.tests.factories import at, open_public_order_case, open_rules, record

pytestmark = pytest.mark.django_db

NOW = "2026-04-09 09:00"


@pytest.fixture
def world(tree, make_user):
    """A case past its 办案期限 with an unanswered order (district level), and an application
    accepted on 2026-03-23 whose promised 5 working days have passed by NOW."""
    case, _ = open_public_order_case(tree["s1"], accepted="2026-03-03 10:00")
    order = orders.issue_order(
        tree["s1"], case=case, problem="办案期限已超期", demand="立即依法作出处理决定",
        reply_due_at=at("2026-04-08 17:00"), actor=make_user(Role.SUPERVISOR, tree["d1"]),
        at=at("2026-04-01 09:00"),
    )  # fmt: skip
    with time_machine.travel(service_at("2026-03-23 10:00"), tick=False):
        app = ops.submit(
            service_item(promised_days=5), applicant=applicant(), unit=tree["s1"],
            channel=Channel.ONLINE, data=GOOD_FORM, by=citizen(),
            at=service_at("2026-03-23 09:00"),
        )  # fmt: skip
        ops.accept(app, window_clerk(tree["s1"]), at=service_at("2026-03-23 10:00"))
    return case, order, app


def _state(case, order, app):
    order.refresh_from_db()
    return (
        open_rules(case),
        order.level,
        set(
            ServiceWarning.objects.filter(application=app, state="open").values_list(
                "rule", flat=True
            )
        ),
    )


EXPECTED = ({"BANAN_OVER", "DUBAN_OVERDUE"}, OrderLevel.CITY, {"BANJIAN_OVER"})


def test_fazhi_scan_runs_the_sweep_cases_applications_and_unanswered_orders(world):
    out = io.StringIO()
    with time_machine.travel(at(NOW), tick=False):
        call_command("scan", stdout=out)

    assert _state(*world) == EXPECTED  # before: `fazhi scan` never escalated the order
    text = out.getvalue()
    assert "case: opened=" in text
    assert "application: opened=1" in text
    assert "orders_escalated=1" in text


def test_the_periodic_task_runs_the_very_same_sweep(world):
    with time_machine.travel(at(NOW), tick=False):
        result = tasks.periodic_sweep.call_local()

    assert _state(*world) == EXPECTED
    assert (result["orders_escalated"], result["application_opened"]) == (1, 1)


def test_a_dry_run_writes_nothing(world):
    case, order, app = world
    with time_machine.travel(at(NOW), tick=False):
        call_command("scan", "--dry-run", stdout=io.StringIO())

    assert _state(case, order, app) == (set(), OrderLevel.DISTRICT, set())


def test_fazhi_scan_commits_each_rule_on_its_own(tree, monkeypatch):
    """A sweep killed mid-way keeps the rules it finished (before: one transaction, all lost)."""
    case, actor = open_public_order_case(tree["s1"], accepted="2025-03-03 10:00")
    record(case, actor, "summon", "2025-03-03 10:30")
    case.__class__.objects.filter(pk=case.pk).update(outside_centre=True)
    real = warnings.apply_rule

    def killed(src, rule, at_, ids, **kwargs):
        if rule.code == "CHUANHUAN_OVER":
            raise RuntimeError("worker killed")
        return real(src, rule, at_, ids, **kwargs)

    monkeypatch.setattr(warnings, "apply_rule", killed)
    with time_machine.travel(at("2025-04-03 09:00"), tick=False), pytest.raises(RuntimeError):
        call_command("scan", stdout=io.StringIO())

    assert open_rules(case) == {"YINGJIN_WEIJIN"}  # case.yaml ran before deadlines.yaml


def test_a_source_registered_by_an_app_is_swept_and_its_rules_retire(world):
    """What a new app does (ADR 0014): declare a source; the sweep runs it like the others."""
    case, order, _app = world
    rule = type(
        "Rule", (), {"code": "DEMO_OPEN", "name": "测试", "level": "hint", "basis": "测试",
                     "escalation": warnings.Escalation()},
    )  # fmt: skip
    live = {"rules": [rule]}

    def condition(rule, at_, ids, using):
        qs = SupervisionOrder.objects.filter(case=case).annotate(
            w_subject=F("case_id"), w_code=Value(""), w_key=Cast("pk", CharField(max_length=40))
        )
        return warnings.compiled(qs.values("w_subject", "w_code", "w_key"), using)

    demo = warnings.Source(
        name="zz-demo", warning=case.warnings.model, history=case.warnings.model.events.field.model,
        subject="case", rules=lambda at_: live["rules"], condition=condition,
    )  # fmt: skip
    registered = warnings.sources()
    warnings.register(demo)
    try:
        with time_machine.travel(at(NOW), tick=False):
            first = warnings.sweep(at(NOW))
            again = warnings.sweep(at(NOW))
            live["rules"] = []
            # The demo shares the case table: retiring its rule leaves the case rules' warnings.
            retired = warnings.run_source("zz-demo", at(NOW), rules=None)
    finally:
        warnings._SOURCES.clear()
        warnings._SOURCES.update(registered)

    assert first.sources["zz-demo"].opened == 1
    assert again.sources["zz-demo"].opened == again.sources["zz-demo"].closed == 0
    assert retired.closed == 1
    assert open_rules(case) == {"BANAN_OVER", "DUBAN_OVERDUE"}
    warning = case.warnings.get(rule="DEMO_OPEN")
    assert (warning.subject_key, warning.closed_reason) == (str(order.pk), "rule_retired")
    assert list(warning.events.values_list("kind", flat=True)) == ["opened", "closed"]
