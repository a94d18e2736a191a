"""Each department's part of a joint visit has its own numbered 现场检查记录 (issue 16, REFERENCE §G.7): numbered in
its department's own sequence at the part's first submission, printing only that department's items and its own
two officers, signed as its own instrument; the visit's PDF prints the parts' records one after the other; visits
numbered once as a whole still print as they did. PDFs are read back with pdftotext."""

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from hazards.models import Hazard
from inspection.clock import local_date
from inspection.models import Visit, VisitDepartment
from inspection.types import utcnow
from tests import factories
from tests.server.test_department_parts import body, first_plain, part
from tests.server.test_signoff import upload

API = "/api/v1"
SERIAL = re.compile(r"（新北）(.+?)〔(\d{4})〕(\d{4})号")
UNVERIFIED = "本文书格式及编号尚待核实"


gas_officers = factories.gas_officers  # also imported by the sign-off and portal tests


@pytest.fixture()
def gas(session, world):
    return gas_officers(session, world)


def pdf_pages(content: bytes, tmp_path: Path) -> list[str]:
    """The text of each page as pdftotext reads it, white space removed."""
    source = tmp_path / f"doc{len(list(tmp_path.glob('doc*.pdf')))}.pdf"
    source.write_bytes(content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True).stdout
    pages = text.decode("utf-8").split("\f")
    return [re.sub(r"\s+", "", page) for page in pages if page.strip()]


def joint_visit(client, session, world, name: str) -> int:
    """A joint visit of 应急 (DUST) and 住建 (GAS) to a wood-dust workshop whose canteen burns LPG."""
    enterprise = factories.make_enterprise(session, name=name, dust_involved=True, dust_kind="wood", gas_user=True,
                                           gas_supply="lpg", industry="catering")
    session.commit()
    people = [world.users[n].id for n in ("inspector", "inspector2", "gas_inspector1", "gas_inspector2")]
    created = client.post(f"{API}/visits", headers=world.headers("office"), json={
        "enterprise_id": enterprise.id, "inspector_ids": people, "source": "joint",
        "planned_date": str(local_date(utcnow())),
        "departments": [{"department_id": world.safety.id, "kinds": ["DUST"]},
                        {"department_id": world.gas.id, "kinds": ["GAS"]}]})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def submit_both(client, world, session, visit_id: int, *, gas_first: bool = False) -> dict[str, str]:
    """Each department submits its part with one plain failure of its own (a photo each, of this visit);
    {who: the item failed}."""
    safety = part(client, world, visit_id, "inspector")
    fails = {"inspector": first_plain(safety, "DUST")}
    order = ["gas_inspector1", "inspector"] if gas_first else ["inspector", "gas_inspector1"]
    for who in order:
        items = part(client, world, visit_id, who)
        if who == "gas_inspector1":
            fails[who] = first_plain(items, "GAS")
            items = {c: i for c, i in items.items() if not i["answered_by_department_id"]}
        photo_id = factories.make_photo(session, world.users[who]).id
        session.commit()
        answer = client.post(f"{API}/visits/{visit_id}/submissions", json=body(items, [fails[who]], photo_id),
                             headers=world.headers(who))
        assert answer.status_code == 201, answer.text
    return fails


def numbers_of(client, world, visit_id: int) -> dict[str, dict]:
    visit = client.get(f"{API}/visits/{visit_id}", headers=world.headers("office")).json()
    return {d["code"]: d for d in visit["departments"]}


def test_each_part_is_numbered_in_its_own_departments_sequence_gap_free(client, world, session, gas):
    first, second = (joint_visit(client, session, world, n) for n in ("戊木业食堂综合体", "己木业食堂综合体"))
    submit_both(client, world, session, first)
    submit_both(client, world, session, second, gas_first=True)  # the order of the parts does not matter
    year = str(local_date(utcnow()).year)
    serials: dict[str, list[int]] = {"应急检记": [], "住建燃检记": []}
    for visit_id in (first, second):
        parts = numbers_of(client, world, visit_id)
        for code, prefix in (("应急", "应急检记"), ("住建", "住建燃检记")):
            found = SERIAL.fullmatch(parts[code]["record_number"])
            assert found and found.group(1) == prefix and found.group(2) == year, parts[code]["record_number"]
            serials[prefix].append(int(found.group(3)))
        visit = client.get(f"{API}/visits/{visit_id}", headers=world.headers("office")).json()
        assert visit["record_number"] == "、".join(parts[c]["record_number"] for c in ("应急", "住建"))
    assert serials == {"应急检记": [1, 2], "住建燃检记": [1, 2]}  # gap-free, each in its own department's sequence
    stored = session.exec(select(Visit).where(Visit.id.in_([first, second]))).all()
    assert all(v.record_number is None for v in stored)  # no whole-visit number any more


def test_each_parts_record_carries_only_its_departments_items_and_officers(client, world, session, gas,
                                                                           tmp_path):
    visit_id = joint_visit(client, session, world, "戊木业食堂综合体")
    fails = submit_both(client, world, session, visit_id)
    parts = numbers_of(client, world, visit_id)
    gas_number, safety_number = parts["住建"]["record_number"], parts["应急"]["record_number"]
    url = f"{API}/visits/{visit_id}/departments/{{}}/record.pdf"
    gas_pdf = client.get(url.format(world.gas.id), headers=world.headers("office"))
    assert gas_pdf.status_code == 200, gas_pdf.text
    pages = pdf_pages(gas_pdf.content, tmp_path)
    text = "".join(pages)
    assert text.startswith(f"{world.gas.name}现场检查记录{gas_number}")
    assert fails["gas_inspector1"] in text and "GAS-" in text and "DUST-" not in text
    assert fails["inspector"] not in text and safety_number not in text
    assert "责令限期改正通知书" in text  # the department's own order, named on its record
    for n, page in enumerate(pages, 1):  # every page: its number, its page count, the unverified note, its officers
        assert f"第{n}页共{len(pages)}页" in page and gas_number in page and UNVERIFIED in page
        assert "执法人员gas_inspector1签名" in page and "执法人员gas_inspector2签名" in page
        assert "执法人员inspector签名" not in page and "执法人员inspector2签名" not in page
    assert "3204110020" in text and world.users["inspector"].cert_no not in text  # 执法证号: its own two only

    safety = "".join(pdf_pages(client.get(url.format(world.safety.id), headers=world.headers("office")).content,
                               tmp_path))
    assert safety.startswith(f"{world.safety.name}现场检查记录{safety_number}") and UNVERIFIED not in safety
    assert fails["inspector"] in safety and fails["gas_inspector1"] not in safety and "gas_inspector" not in safety
    assert "DUST-" in safety and "责令限期整改指令书" in safety


def test_each_part_is_signed_as_its_own_record_and_printed_together(client, world, session, gas,
                                                                   tmp_path):
    visit_id = joint_visit(client, session, world, "戊木业食堂综合体")
    submit_both(client, world, session, visit_id)
    parts = numbers_of(client, world, visit_id)
    gas_part, safety_part = parts["住建"]["part_id"], parts["应急"]["part_id"]
    signature = upload(client, world, "gas_inspector1", visit_id=visit_id)
    signed = client.post(f"{API}/documents/visit_part/{gas_part}/signatures", headers=world.headers("gas_inspector1"),
                         json={"party": "inspector", "photo_id": signature["id"]})
    assert signed.status_code == 201, signed.text
    other = upload(client, world, "inspector", visit_id=visit_id)
    refused = client.post(f"{API}/documents/visit_part/{gas_part}/signatures", headers=world.headers("inspector"),
                          json={"party": "inspector", "photo_id": other["id"]})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_on_instrument"
    refusal = client.post(f"{API}/documents/visit_part/{safety_part}/refusal", headers=world.headers("inspector"),
                          json={"refusal_reason": "负责人不在场", "witness": "车间主任李四"})
    assert refusal.status_code == 201, refusal.text

    gas_pdf = client.get(f"{API}/visits/{visit_id}/departments/{world.gas.id}/record.pdf",
                         headers=world.headers("office")).content
    reader = PdfReader(io.BytesIO(gas_pdf))
    assert all(len(page.images) == 1 for page in reader.pages)  # gas_inspector1's signature on every page
    assert "当事人拒绝签字" not in "".join(pdf_pages(gas_pdf, tmp_path))  # the refusal was on 应急's record

    whole = client.get(f"{API}/visits/{visit_id}.pdf", headers=world.headers("office")).content
    pages = pdf_pages(whole, tmp_path)
    safety_pages = [p for p in pages if parts["应急"]["record_number"] in p]
    gas_pages = [p for p in pages if parts["住建"]["record_number"] in p]
    assert safety_pages and gas_pages and len(safety_pages) + len(gas_pages) == len(pages)
    assert pages.index(safety_pages[-1]) < pages.index(gas_pages[0])  # one after the other, lead first
    for own in (safety_pages, gas_pages):  # each counts its own pages
        assert [f"第{n}页共{len(own)}页" in p for n, p in enumerate(own, 1)] == [True] * len(own)
    assert all("当事人拒绝签字" in p and UNVERIFIED not in p for p in safety_pages)
    assert all("当事人拒绝签字" not in p and UNVERIFIED in p for p in gas_pages)

    # the 校验码 on each record's pages checks against that record, alone or in the visit's PDF
    digest = client.get(f"{API}/documents/visit_part/{gas_part}/digest", headers=world.headers("office")).json()
    assert digest["number"] == parts["住建"]["record_number"]
    assert all(f"校验码{digest['printed']}" in p for p in gas_pages)
    whole_digest = client.get(f"{API}/documents/visit/{visit_id}/digest", params={"code": digest["printed"]},
                              headers=world.headers("office")).json()
    assert whole_digest["matches"] is True
    assert [(p["kind"], p["id"], p["matches"]) for p in whole_digest["parts"]] == [
        ("visit_part", safety_part, False), ("visit_part", gas_part, True)]
    history = client.get(f"{API}/documents/visit_part/{gas_part}/signatures", headers=world.headers("office"))
    assert [row["signer_name"] for row in history.json()] == ["gas_inspector1"]
    enterprise = session.get(Visit, visit_id).enterprise_id
    assert enterprise != world.enterprise_a.id
    assert client.get(f"{API}/documents/visit_part/{gas_part}/signatures",
                      headers=world.headers("enterprise_a")).status_code == 404  # another enterprise's record


def test_the_case_file_lists_each_parts_record(client, world, session, gas):
    visit_id = joint_visit(client, session, world, "戊木业食堂综合体")
    fails = submit_both(client, world, session, visit_id)
    parts = numbers_of(client, world, visit_id)
    hazard = session.exec(select(Hazard).where(Hazard.item_code == fails["gas_inspector1"])).one()
    response = client.get(f"{API}/hazards/{hazard.id}/casefile.zip", headers=world.headers("office"))
    assert response.status_code == 200, response.text
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    records = [n for n in names if n.startswith("01_文书/") and "现场检查记录" in n]
    assert len(records) == 2, names
    for code in ("应急", "住建"):
        assert any(parts[code]["record_number"] in n for n in records), (code, records)


def test_a_visit_numbered_as_a_whole_prints_as_before(client, world, session, gas, tmp_path):
    """A visit numbered once in the lead department's sequence (before each part had its own record): its one
    number stays, a part submitted later is not numbered again, and the PDF is the one record."""
    visit_id = joint_visit(client, session, world, "戊木业食堂综合体")
    old = "（新北）应急检记〔2025〕0042号"
    session.get(Visit, visit_id).record_number = old
    session.commit()
    submit_both(client, world, session, visit_id)
    session.rollback()
    assert [p.record_number for p in session.exec(select(VisitDepartment).where(
        VisitDepartment.visit_id == visit_id)).all()] == [None, None]
    visit = client.get(f"{API}/visits/{visit_id}", headers=world.headers("office")).json()
    assert visit["record_number"] == old and {d["record_number"] for d in visit["departments"]} == {None}
    pages = pdf_pages(client.get(f"{API}/visits/{visit_id}.pdf", headers=world.headers("office")).content, tmp_path)
    text = "".join(pages)
    assert f"一、{world.safety.name}检查情况" in text and f"二、{world.gas.name}检查情况" in text
    assert all(old in page and f"第{n}页共{len(pages)}页" in page for n, page in enumerate(pages, 1))
    missing = client.get(f"{API}/visits/{visit_id}/departments/{world.gas.id}/record.pdf",
                         headers=world.headers("office"))
    assert missing.status_code == 404
    digest = client.get(f"{API}/documents/visit/{visit_id}/digest", headers=world.headers("office")).json()
    assert digest["number"] == old and digest["parts"] == [] and f"校验码{digest['printed']}" in pages[0]


def test_a_visit_from_before_records_were_numbered_still_prints(client, world, session, tmp_path):
    body_ = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    visit_id = client.post(f"{API}/visits", json=body_, headers=world.headers("inspector")).json()["id"]
    items = part(client, world, visit_id, "inspector")
    assert client.post(f"{API}/visits/{visit_id}/submissions", json=body(items),
                       headers=world.headers("inspector")).status_code == 201
    for row in session.exec(select(VisitDepartment).where(VisitDepartment.visit_id == visit_id)).all():
        row.record_number = None  # as migrated: neither the visit nor its part has a number
        session.add(row)
    session.commit()
    response = client.get(f"{API}/visits/{visit_id}.pdf", headers=world.headers("enterprise_a"))
    assert response.status_code == 200, response.text
    assert "（编号未登记）" in "".join(pdf_pages(response.content, tmp_path))
    assert client.get(f"{API}/visits/{visit_id}", headers=world.headers("office")).json()["record_number"] is None


def advisory_visit(client, world, session) -> dict:
    """A 住建 visit to restaurant B where an advisory item (提示项) failed (the gas officers exist)."""
    create = client.post(f"{API}/visits", json={"enterprise_id": world.enterprise_b.id, "kinds": ["GAS"],
                                                 "inspector_ids": [world.users["gas_inspector2"].id]},
                         headers=world.headers("gas_inspector1"))
    assert create.status_code == 201, create.text
    visit_id = create.json()["id"]
    items = part(client, world, visit_id, "gas_inspector1")
    code = next(c for c, item in items.items() if item["advisory"] and item["refer_to"] is None)
    photo = factories.make_photo(session, world.users["gas_inspector1"])
    session.commit()
    answer = client.post(f"{API}/visits/{visit_id}/submissions", json=body(items, [code], photo.id),
                         headers=world.headers("gas_inspector1"))
    assert answer.status_code == 201, answer.text
    return {"visit_id": visit_id, "code": code, "item": items[code]}


@pytest.fixture()
def advised(client, world, session, gas):
    return advisory_visit(client, world, session)


def test_advice_is_given_to_the_enterprise_with_its_basis_and_printed_on_the_record(client, world, advised,
                                                                                   tmp_path):
    advice = client.get(f"{API}/visits/{advised['visit_id']}/advice", headers=world.headers("enterprise_b"))
    assert advice.status_code == 200, advice.text
    [given] = advice.json()
    assert (given["item_code"], given["text"]) == (advised["code"], advised["item"]["text"])
    assert given["legal_basis"] == advised["item"]["legal_basis"] and given["legal_basis"]
    assert given["department_name"] == world.gas.name and given["note"] == f"{advised['code']} 不合格"
    text = "".join(pdf_pages(client.get(f"{API}/visits/{advised['visit_id']}.pdf",
                                        headers=world.headers("enterprise_b")).content, tmp_path))
    assert "提示事项（不作为事故隐患" in text
    assert re.sub(r"\s+", "", f"依据：{given['legal_basis']}") in text
    assert f"现场情况：{advised['code']}不合格" in text
