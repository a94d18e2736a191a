"""专项行动: targets from an uploaded CSV/XLSX list (all or nothing, bad rows named), and closing a campaign."""

import io

from openpyxl import Workbook
from sqlmodel import select

from inspection.models import Event
from tests.server.test_api_campaigns import API, dust_campaign


def campaign(client, world) -> int:
    r = client.post(f"{API}/campaigns", headers=world.headers("office"), json=dust_campaign())
    assert r.status_code == 201, r.text
    return r.json()["id"]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, world, campaign_id: int, content: bytes, name: str = "名单.csv", who: str = "office"):
    return client.post(f"{API}/campaigns/{campaign_id}/targets/upload", headers=world.headers(who),
                       files={"file": (name, content, "application/octet-stream")})


def test_a_csv_list_in_gbk_and_an_xlsx_list_add_targets(client, world, session):
    campaign_id = campaign(client, world)
    text = (f"企业名称,统一社会信用代码\n乙,{world.enterprise_b.credit_code}\n\n"
            f"出租方,{world.landlord.credit_code.lower()}\n")
    r = upload(client, world, campaign_id, text.encode("gbk"))
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 2 and r.json()["added"] == 2 and r.json()["campaign"]["targets"] == 3
    book = xlsx([[world.tenants[0].credit_code], [world.enterprise_b.credit_code]])  # no header: codes only
    r = upload(client, world, campaign_id, book, "名单.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 2 and r.json()["added"] == 1 and r.json()["campaign"]["targets"] == 4
    actions = [e.action for e in session.exec(select(Event).where(Event.entity == "campaign",
                                                                  Event.entity_id == campaign_id))]
    assert actions.count("campaign.upload_targets") == 2


def test_bad_rows_are_named_by_row_and_nothing_is_added(client, world):
    campaign_id = campaign(client, world)
    rows = [["统一社会信用代码", "备注"], [world.enterprise_b.credit_code, "好"], ["91320411MA1XXXXXXX", ""],
            ["=HYPERLINK(\"http://evil\",\"点我\")", ""], ["12345", ""], [world.enterprise_b.credit_code, "重复"]]
    r = upload(client, world, campaign_id, xlsx(rows), "名单.xlsx")
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "bad_target_rows" and "未添加任何企业" in error["message"]
    bad = {p["row"]: p for p in error["details"]["rows"]}
    assert sorted(bad) == [3, 4, 5, 6]
    assert "公式" in bad[4]["problem"] and "evil" not in r.text
    assert "重复" in bad[6]["problem"] and "长度" in bad[5]["problem"]
    assert client.get(f"{API}/campaigns/{campaign_id}", headers=world.headers("office")).json()["targets"] == 1
    csv_formula = f"统一社会信用代码\n{world.enterprise_b.credit_code}\n=cmd|' /C calc'!A0\n".encode()
    r = upload(client, world, campaign_id, csv_formula)
    assert r.status_code == 422 and r.json()["error"]["details"]["rows"][0]["row"] == 3


def test_unreadable_or_headerless_files_and_outsiders_are_refused(client, world):
    campaign_id = campaign(client, world)
    for content, name, code in [(b"", "a.csv", "empty_file"), (b"PK\x03\x04broken", "a.xlsx", "unreadable_file"),
                                (b"\xff\xfe\x00\x00\x81", "a.csv", "unreadable_file"),
                                ("名称,地址\n甲,某路\n".encode(), "a.csv", "no_code_column")]:
        r = upload(client, world, campaign_id, content, name)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
    r = client.post(f"{API}/campaigns/{campaign_id}/targets/upload", headers=world.headers("office"),
                    json={"file": "x"})
    assert r.status_code in (415, 422) and r.json()["error"]["message"]
    assert upload(client, world, campaign_id, b"x", who="inspector").status_code == 403
    assert upload(client, world, 999999, world.enterprise_b.credit_code.encode()).status_code == 404


def test_a_closed_campaign_plans_nothing_more_and_keeps_its_report(client, world, session):
    campaign_id = campaign(client, world)
    assert client.post(f"{API}/campaigns/{campaign_id}/close", headers=world.headers("inspector"),
                       json={}).status_code == 403
    r = client.post(f"{API}/campaigns/{campaign_id}/close", headers=world.headers("office"),
                    json={"note": "整治结束"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "closed" and body["closed_by"] and body["closed_at"] and body["close_note"] == "整治结束"
    for url, kwargs in [(f"/{campaign_id}/plan", {"json": {}}), (f"/{campaign_id}/close", {"json": {}}),
                        (f"/{campaign_id}/targets", {"json": {"credit_codes": [world.enterprise_b.credit_code]}})]:
        r = client.post(f"{API}/campaigns{url}", headers=world.headers("office"), **kwargs)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "campaign_closed" and "已结束" in r.json()["error"]["message"]
    r = upload(client, world, campaign_id, world.enterprise_b.credit_code.encode())
    assert r.status_code == 409
    assert client.get(f"{API}/campaigns/{campaign_id}/progress", headers=world.headers("office")).status_code == 200
    r = client.get(f"{API}/campaigns/{campaign_id}/progress", headers=world.headers("office"),
                   params={"format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    close = session.exec(select(Event).where(Event.entity == "campaign", Event.action == "campaign.close")).one()
    assert close.after["status"] == "closed"
    r = client.post(f"{API}/campaigns/{campaign_id}/close", headers=world.headers("office"), json={"note": "x" * 501})
    assert r.status_code == 422
