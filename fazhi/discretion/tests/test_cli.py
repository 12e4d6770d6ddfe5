import json

import pytest
from django.core.management import CommandError, call_command


@pytest.fixture
def facts_file(tmp_path):
    def write(facts):
        path = tmp_path / "facts.json"
        path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        return str(path)

    return write


def run(capsys, *args):
    call_command("discretion", *args)
    return capsys.readouterr().out


def test_decide_prints_the_decision_as_json(db, capsys, facts_file):
    path = facts_file({"harm": "minor", "injury": "minor", "offender_birth_date": "1990-05-01"})
    out = run(
        capsys,
        "decide",
        "za.beat",
        "--facts",
        path,
        "--act-date",
        "2025-03-01",
        "--decision-date",
        "2025-03-20",
        "--json",
    )
    data = json.loads(out)
    assert {
        k: data[k] for k in ("offence", "version_applied", "outcome", "tier", "unverified")
    } == {
        "offence": "za.beat",
        "version_applied": "2012-10-26",
        "outcome": "penalty",
        "tier": "一般",
        "unverified": False,
    }
    assert data["penalties"] == [
        {"kind": "detention", "min": 5, "max": 10, "unit": "days", "mode": "required"},
        {"kind": "fine", "min": 200, "max": 500, "unit": "yuan", "mode": "required"},
    ]
    assert data["basis"][0] == "《中华人民共和国治安管理处罚法》第四十三条"
    assert [step["effect"] for step in data["trace"]] == ["offence", "not_checked", "tier"]


def test_decide_says_unverified_in_text_and_json_after_2026(db, capsys, facts_file):
    path = facts_file({"harm": "minor", "injury": "minor", "offender_birth_date": "1990-05-01"})
    args = (
        "decide",
        "za.beat",
        "--facts",
        path,
        "--act-date",
        "2026-03-01",
        "--decision-date",
        "2026-03-20",
    )
    assert "unverified: confirm against the official text" in run(capsys, *args)
    data = json.loads(run(capsys, *args, "--json"))
    assert (data["unverified"], data["unverified_message"]) == (
        True,
        "unverified: confirm against the official text",
    )


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"harm": "minor", "offender_birth_date": "1990-05-01"}, "^injury: "),
        ({"harm": "minor", "injury": "grave", "offender_birth_date": "1990-05-01"}, "^injury: "),
        ({"harm": "minor", "injury": "minor", "offender_birth_date": "1990-05-01", "x": 1}, "^x: "),
    ],
)
def test_decide_errors_name_the_fact(db, facts_file, facts, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "discretion",
            "decide",
            "za.beat",
            "--facts",
            facts_file(facts),
            "--act-date",
            "2025-03-01",
            "--decision-date",
            "2025-03-20",
        )


def test_decide_refuses_a_bad_date_and_unreadable_facts(db, tmp_path, facts_file):
    with pytest.raises(CommandError, match=r"^act-date: '2025-02-30' is not a date"):
        call_command(
            "discretion",
            "decide",
            "za.beat",
            "--facts",
            facts_file({}),
            "--act-date",
            "2025-02-30",
            "--decision-date",
            "2025-03-20",
        )
    with pytest.raises(CommandError, match=r"^facts: cannot read"):
        call_command(
            "discretion",
            "decide",
            "za.beat",
            "--facts",
            str(tmp_path / "none.json"),
            "--act-date",
            "2025-03-01",
            "--decision-date",
            "2025-03-20",
        )


def test_offences_json_lists_code_name_versions_and_facts(capsys):
    data = json.loads(run(capsys, "offences", "--json"))
    entry = next(o for o in data if o["code"] == "fz.fraud_participation")
    assert entry["name"] == "组织、策划、实施、参与电信网络诈骗活动或者为其提供帮助，尚不构成犯罪"
    assert [v["version"] for v in entry["versions"]] == ["2022-09-02"]
    gains = next(f for f in entry["facts"] if f["name"] == "illegal_gains")
    assert (gains["type"], gains["required"], gains["choices"]) == ("decimal", True, None)
    assert set(gains) == {"name", "type", "choices", "required", "default", "label"}
