import datetime as dt

from django.urls import reverse

from fazhi.core.metrics import Period, get
from fazhi.litigation import matters
from fazhi.litigation.matters import AppearanceIn, OutcomeIn
from fazhi.litigation.tests.factories import at, day, head_of, legal_for, register
from fazhi.org.tests.factories import OfficerFactory

YEAR = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def _held(matter, when, given, actor):
    hearing = matters.plan_hearing(
        matter, scheduled_at=at(when), place="第一法庭", actor=actor, at=at("2026-03-20 10:00")
    )
    return matters.set_appearance(hearing, given, actor=actor, at=at(when) + dt.timedelta(hours=3))


def test_the_appearance_rate_counts_held_hearings_of_the_scope_where_a_head_appeared(tree):
    actor = legal_for(tree["city"])
    head = head_of(tree["d1"])
    one = register(tree["d1"], kind="first_instance", received="2026-03-02", actor=actor)
    two = register(tree["d1"], kind="first_instance", received="2026-03-03", actor=actor)
    other = register(tree["d2"], kind="first_instance", received="2026-03-03", actor=actor)
    _held(one, "2026-04-10 09:30", AppearanceIn("head", head=head, held=True), actor)
    deputy = OfficerFactory(unit=tree["d1"])
    _held(
        two,
        "2026-04-11 09:30",
        AppearanceIn("entrusted", entrusted=deputy, absence_reason="公务出差", held=True),
        actor,
    )
    _held(
        other, "2026-04-12 09:30", AppearanceIn("head", head=head_of(tree["d2"]), held=True), actor
    )
    matters.plan_hearing(
        one,
        scheduled_at=at("2026-05-10 09:30"),
        place="第一法庭",
        actor=actor,
        at=at("2026-03-20 10:00"),
    )

    d1 = get("court_appearance_rate")(YEAR, tree["d1"])
    city = get("court_appearance_rate")(YEAR, tree["city"])

    assert (d1.numerator, d1.denominator, str(d1.value)) == (1, 2, "50.0")
    assert [h.matter for h in d1.records] == [one, two]
    assert (city.numerator, city.denominator) == (2, 3)


def test_the_loss_and_correction_rates_count_concluded_matters_by_kind(tree):
    actor = legal_for(tree["city"])
    sued = [
        register(tree["d1"], kind="first_instance", received="2026-03-02", actor=actor)
        for _ in range(4)
    ]
    reconsidered = [register(tree["d1"], received="2026-03-02", actor=actor) for _ in range(2)]
    register(tree["d1"], kind="first_instance", received="2026-03-02", actor=actor)  # still open
    for matter, outcome in zip(
        sued, ("revoked", "dismissed", "withdrawn", "confirmed_illegal"), strict=True
    ):
        matters.record_outcome(
            matter,
            OutcomeIn(outcome, day("2026-06-01"), "judgment"),
            actor=actor,
            at=at("2026-06-02 10:00"),
        )
    for matter, outcome in zip(reconsidered, ("varied", "upheld"), strict=True):
        matters.record_outcome(
            matter,
            OutcomeIn(outcome, day("2026-06-01"), "decision"),
            actor=actor,
            at=at("2026-06-02 10:00"),
        )

    loss = get("litigation_loss_rate")(YEAR, tree["city"])
    correction = get("correction_rate")(YEAR, tree["city"])

    assert (loss.numerator, loss.denominator, str(loss.value)) == (2, 4, "50.0")
    assert (correction.numerator, correction.denominator, str(correction.value)) == (1, 2, "50.0")
    assert set(correction.records) == set(reconsidered)
    assert (
        get("litigation_loss_rate")(
            Period(dt.date(2026, 7, 1), dt.date(2026, 12, 31)), tree["city"]
        ).value
        is None
    )


def test_the_figure_drills_down_to_the_hearings(client, tree):
    from fazhi.core.roles import Role
    from fazhi.org.tests.factories import UserFactory

    actor = legal_for(tree["city"])
    matter = register(tree["d1"], kind="first_instance", received="2026-03-02", actor=actor)
    _held(
        matter, "2026-04-10 09:30", AppearanceIn("head", head=head_of(tree["d1"]), held=True), actor
    )
    client.force_login(UserFactory(role=Role.SUPERVISOR, scope_unit=tree["city"]))

    page = client.get(
        reverse("reports:metric", args=["court_appearance_rate"]),
        {"unit": tree["city"].code, "from": "2026-01-01", "to": "2026-12-31"},
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="hearing-row"') == 1
    assert matter.number in html
