"""安责险 end to end: policies (API and an insurer's CSV) → coverage of the key enterprises by street and kind, the
uncovered list, reminders before expiry; the rule the office edits; bad input answered with a clear 4xx."""

from datetime import timedelta

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from hazards.coverage.insurance_models import InsurancePolicy
from hazards.notify.models import Outbox
from inspection.clock import local_date
from inspection.types import utcnow
from server.cli import app as cli

API = "/api/v1/insurance"


def day(offset: int) -> str:
    return str(local_date(utcnow()) + timedelta(days=offset))


def policy(enterprise_id: int, number: str = "PICC-2026-0001", start: int = -200, end: int = 165, **extra) -> dict:
    return {"enterprise_id": enterprise_id, "insurer": "人保财险常州分公司", "policy_number": number,
            "period_start": day(start), "period_end": day(end), "insured_amount": 5_000_000,
            "coverage": "从业人员伤亡、第三者责任", **extra}


def count(session: Session, model, *where) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_policies_make_the_coverage_rate_by_street_and_kind_and_the_uncovered_list(client, world):
    office = world.headers("office")
    r = client.post(f"{API}/policies", headers=office, json=policy(world.enterprise_a.id))
    assert r.status_code == 201, r.text
    assert (r.json()["state"], r.json()["days_left"], r.json()["credit_code"]) == (
        "active", 165, world.enterprise_a.credit_code)
    r = client.post(f"{API}/policies", headers=office, json=policy(world.enterprise_b.id, "PAIC-88-77", end=5))
    assert r.status_code == 201, r.text

    report = client.get(f"{API}/coverage", headers=office).json()
    # key enterprises by the shipped rule: A (dust), B (catering on LPG), the plant site's landlord (lessor)
    assert (report["key_enterprises"], report["covered"], report["rate"]) == (3, 2, 0.6667)
    assert report["rule_version"] == 0 and report["rule_verified"] is False and report["expiring_soon"] == 1
    streets = {row["group"]: (row["key_enterprises"], row["covered"]) for row in report["by_street"]}
    assert streets == {"三井街道": (2, 1), "河海街道": (1, 1)}
    kinds = {row["group"]: (row["key_enterprises"], row["covered"], row["label"]) for row in report["by_kind"]}
    assert kinds == {"dust_explosion": (1, 1, "粉尘涉爆企业"), "plant_lessor": (1, 0, "厂中厂出租方"),
                     "catering_lpg": (1, 1, "使用瓶装液化气的餐饮单位")}
    uncovered = client.get(f"{API}/uncovered", headers=office).json()
    assert [(u["enterprise_id"], u["kinds"]) for u in uncovered] == [(world.landlord.id, ["厂中厂出租方"])]
    assert client.get(f"{API}/uncovered?kind=dust_explosion", headers=office).json() == []

    # an enterprise sees its own policies only, and may not record one
    mine = client.get(f"{API}/policies", headers=world.headers("enterprise_b")).json()
    assert [p["policy_number"] for p in mine["items"]] == ["PAIC-88-77"]
    assert client.post(f"{API}/policies", headers=world.headers("enterprise_b"),
                       json=policy(world.enterprise_b.id, "SELF-0001")).status_code == 403
    other = client.get(f"{API}/policies", headers=office).json()["items"]
    a_policy = next(p for p in other if p["enterprise_id"] == world.enterprise_a.id)
    assert client.get(f"{API}/policies/{a_policy['id']}", headers=world.headers("enterprise_b")).status_code == 404
    assert client.get(f"{API}/coverage", headers=world.headers("enterprise_b")).status_code == 403


def test_the_same_policy_number_with_overlapping_periods_is_refused(client, session, world):
    office = world.headers("office")
    assert client.post(f"{API}/policies", headers=office, json=policy(world.enterprise_a.id)).status_code == 201
    clash = client.post(f"{API}/policies", headers=office,
                        json=policy(world.enterprise_b.id, " picc-2026-0001 ", start=100, end=400))
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "policy_overlap", clash.text
    renewal = client.post(f"{API}/policies", headers=office, json=policy(world.enterprise_a.id, start=166, end=530))
    assert renewal.status_code == 201  # the same number for the next period
    bad = [
        policy(world.enterprise_a.id, "XX-1", start=10, end=5),  # ends before it starts
        policy(world.enterprise_a.id, "XX-2", insured_amount=-1),
        policy(world.enterprise_a.id, "含中文的保单号"),
        policy(world.enterprise_a.id, "XX-3", period_start="2026-02-30"),
        {**policy(world.enterprise_a.id, "XX-4"), "owner": "x"},
    ]
    for body in bad:
        r = client.post(f"{API}/policies", headers=office, json=body)
        assert r.status_code == 422, (body, r.text)
    r = client.post(f"{API}/policies", headers=office, json=policy(999_999, "XX-5"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_enterprise"
    assert count(session, InsurancePolicy) == 2


def test_reminders_before_expiry_go_once_and_not_for_renewed_cover(client, session, world):
    office = world.headers("office")
    assert client.post(f"{API}/policies", headers=office,
                       json=policy(world.enterprise_a.id, "AA-1", end=5)).status_code == 201
    assert client.post(f"{API}/policies", headers=office,
                       json=policy(world.enterprise_b.id, "BB-1", end=20)).status_code == 201
    assert client.post(f"{API}/policies", headers=office,
                       json=policy(world.enterprise_b.id, "BB-2", start=21, end=385)).status_code == 201  # renewed
    assert client.post(f"{API}/policies", headers=office,
                       json=policy(world.tenants[0].id, "TT-1", end=3)).status_code == 201  # not a key enterprise
    run = client.post("/api/v1/admin/jobs/insurance_reminders/run", headers=world.headers("admin"))
    assert run.status_code == 200 and run.json()["summary"] == "queued=2", run.text
    rows = session.exec(select(Outbox).where(Outbox.event_type == "insurance.expiring")).all()
    assert sorted((r.recipient, r.dedup_key.split(":")[-1]) for r in rows) == sorted([
        (f"enterprise:{world.enterprise_a.id}", "remind7"), ("office", "office"),
        (f"enterprise:{world.tenants[0].id}", "remind7")])
    assert "请及时续保" in rows[0].payload["message"]
    again = client.post("/api/v1/admin/jobs/insurance_reminders/run", headers=world.headers("admin"))
    assert again.json()["summary"] == "queued=0"


def test_the_office_edits_the_rule_and_bad_rules_are_refused(client, world):
    office = world.headers("office")
    rule = client.get(f"{API}/key-rule", headers=office).json()
    assert rule["version"] == 0 and all(c["verified"] is False for c in rule["rule"]["criteria"])
    body = {**rule["rule"], "criteria": [*rule["rule"]["criteria"], {
        "id": "machinery", "label": "机械企业", "when": {"industry": ["machinery"]},
        "basis": "本区试点", "verified": False}]}
    r = client.put(f"{API}/key-rule", headers=office, json=body)
    assert r.status_code == 200 and r.json()["version"] >= 1, r.text
    report = client.get(f"{API}/coverage", headers=office).json()
    assert report["rule_version"] == r.json()["version"]
    assert report["key_enterprises"] == 6  # the three tenants (machinery) join A, B and the landlord
    assert {row["group"]: row["key_enterprises"] for row in report["by_kind"]}["machinery"] == 4  # A too
    bad = [
        {**body, "criteria": [{**body["criteria"][0], "when": {"industry": ["spaceflight"]}}]},
        {**body, "criteria": [body["criteria"][0], body["criteria"][0]]},
        {**body, "criteria": [{**body["criteria"][0], "when": {}}]},
        {**body, "criteria": []},
        {**body, "criteria": [{**body["criteria"][0], "id": "Bad Id"}]},
    ]
    for candidate in bad:
        assert client.put(f"{API}/key-rule", headers=office, json=candidate).status_code == 422, candidate
    assert client.put(f"{API}/key-rule", headers=world.headers("inspector"), json=body).status_code == 403
    assert client.get(f"{API}/key-rule", headers=world.headers("inspector")).status_code == 200


def test_an_insurers_csv_is_imported_all_or_nothing(session, world, tmp_path):
    header = "统一社会信用代码,投保单位,保险公司,保单号,起保日期,终保日期,保险金额,保障范围\n"
    a, b = world.enterprise_a.credit_code, world.enterprise_b.credit_code
    good = [f"{a},甲,太平洋财险常州中心支公司,CPIC-1,{day(-10)},{day(355)},\"3,000,000\",从业人员伤亡",
            f"{b},乙,太平洋财险常州中心支公司,CPIC-2,{day(-10).replace('-', '/')},{day(355)},1000000元,第三者责任"]
    for name, extra in (("unknown", "913204110000000000,某,某保险,CPIC-3,2026-01-01,2026-12-31,1,"),
                        ("malformed", "ABC,某,某保险,CPIC-4,2026-01-01,2026-12-31,1,"),
                        ("overlap", f"{b},乙,太平洋财险,CPIC-1,{day(0)},{day(30)},1,")):
        path = tmp_path / f"{name}.csv"
        path.write_text(header + "\n".join([*good, extra]), encoding="utf-8")
        result = CliRunner().invoke(cli, ["import", "insurance", str(path)])
        assert result.exit_code == 1 and "nothing was imported" in result.output, (name, result.output)
        assert count(session, InsurancePolicy) == 0
    path = tmp_path / "good.csv"
    path.write_text(header + "\n".join(good), encoding="utf-8-sig")
    result = CliRunner().invoke(cli, ["import", "insurance", str(path), "--dry-run"])
    assert result.exit_code == 0 and "dry run: 2 policies" in result.output, result.output
    assert count(session, InsurancePolicy) == 0
    result = CliRunner().invoke(cli, ["import", "insurance", str(path)])
    assert result.exit_code == 0 and "imported 2 policies" in result.output, result.output
    session.rollback()
    rows = session.exec(select(InsurancePolicy).order_by(InsurancePolicy.policy_number)).all()
    assert [(p.policy_number, p.insured_amount, p.via) for p in rows] == [("CPIC-1", 3_000_000, "csv"),
                                                                         ("CPIC-2", 1_000_000, "csv")]
