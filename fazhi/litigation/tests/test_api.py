from fazhi.core.roles import Role
from fazhi.litigation.tests.factories import legal_for, register
from fazhi.org.tests.factories import UserFactory, make_citizen_id


def test_the_api_registers_a_lawsuit_and_explains_its_defence_period(client, tree, time_machine):
    time_machine.move_to("2026-03-02 10:00+08:00", tick=False)
    client.force_login(legal_for(tree["d1"]))
    response = client.post(
        "/api/v1/litigation/matters",
        {
            "kind": "first_instance",
            "body": "示例市甲区人民法院",
            "unit": tree["d1"].code,
            "received_on": "2026-03-02",
            "claimant_kind": "person",
            "claimant_name": "李四",
            "claimant_id_type": "citizen_id",
            "claimant_id_number": make_citizen_id(5),
            "act": "行政拘留五日",
        },
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 201
    assert body["claimant_id_masked"] == make_citizen_id(5)[:4] + "*" * 10 + make_citizen_id(5)[-4:]
    [defence] = body["deadlines"]
    assert defence["code"] == "YINGSU_DABIAN"
    assert defence["facts"]["periods"][0]["end"] == "2026-03-17"  # the last day to file
    assert "2026-03-17" in defence["explanation"]
    assert "第六十七条" in defence["basis"]


def test_a_refusal_answers_422_with_the_field(client, tree, time_machine):
    time_machine.move_to("2026-03-02 10:00+08:00", tick=False)
    client.force_login(legal_for(tree["d1"]))
    response = client.post(
        "/api/v1/litigation/matters",
        {
            "kind": "reconsideration",
            "body": "市政府",
            "unit": tree["d1"].code,
            "received_on": "2026-03-09",
            "claimant_kind": "person",
            "claimant_name": "李四",
            "claimant_id_type": "citizen_id",
            "claimant_id_number": make_citizen_id(5),
            "act": "罚款",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["field"] == "received_on"


def test_the_list_is_scoped_and_a_supervisor_cannot_write(client, tree):
    register(tree["s1"])
    register(tree["s2"])
    supervisor = UserFactory(role=Role.SUPERVISOR, scope_unit=tree["d1"])
    client.force_login(supervisor)
    assert client.get("/api/v1/litigation/matters").json()["count"] == 1
    response = client.post(
        f"/api/v1/litigation/matters/{register(tree['s1']).number}/reply",
        {"replied_on": "2026-03-03", "evidence_submitted": True},
        content_type="application/json",
    )
    assert response.status_code == 403
