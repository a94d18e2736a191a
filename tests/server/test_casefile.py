"""一案一档: one hazard's case file as a ZIP, read back: the index, the instruments as PDFs, the photos as stored
originals with their hashes, the review decisions and the audit events with the chains checked."""

import csv
import hashlib
import io
import re
import zipfile

from pypdf import PdfReader
from sqlalchemy import text
from sqlmodel import select

from inspection.models import Event, Photo
from inspection.photos import service as photo_service
from inspection.types import utcnow
from tests import scenes
from tests.server.test_api_photos import upload
from tests.server.test_forgery import hazard_with_before, jpeg

API = "/api/v1"


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def _evidence(client, world, hazard_id, image):
    photo = upload(client, world, jpeg(image), who="enterprise_a")
    assert photo.status_code == 201, photo.text
    sent = client.post(f"{API}/hazards/{hazard_id}/evidence",
                       json={"note": "已整改", "photo_ids": [photo.json()["id"]]},
                       headers=world.headers("enterprise_a"))
    assert sent.status_code == 201, sent.text
    return photo.json()["id"]


def closed_case(client, world):
    """A hazard found with a before-photo, evidence sent back, new evidence, and a re-inspection that closes it."""
    hazard_id, before = hazard_with_before(client, world, scenes.extinguisher_wall(3))
    first = _evidence(client, world, hazard_id, scenes.extinguisher_wall(11))
    rejected = client.post(f"{API}/hazards/{hazard_id}/reject", json={"reason": "照片看不清灭火器压力表"},
                           headers=world.headers("inspector"))
    assert rejected.status_code == 200, rejected.text
    second = _evidence(client, world, hazard_id, scenes.extinguisher_wall(12))
    order_id = client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("office")).json()["order_ids"][0]
    review = client.post(f"{API}/orders/{order_id}/reinspection",
                         json={"co_inspector_id": world.users["inspector2"].id,
                               "items": [{"hazard_id": hazard_id, "outcome": "rectified", "note": "复查属实"}]},
                         headers=world.headers("inspector"))
    assert review.status_code == 201, review.text
    return hazard_id, {"before": before, "first": first, "second": second}, review.json()["number"]


def export(client, world, hazard_id, who="inspector"):
    return client.get(f"{API}/hazards/{hazard_id}/casefile.zip", headers=world.headers(who))


def test_the_case_file_holds_instruments_photos_reviews_and_a_checked_audit_trail(client, world, session):
    hazard_id, photos, reinspection_number = closed_case(client, world)
    response = export(client, world, hazard_id)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert int(response.headers["content-length"]) == len(response.content)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert archive.testzip() is None

    index = read_csv(archive, "00_卷内目录.csv")
    assert [row["文件"] for row in index if row["文件"]] == [n for n in names if not n.startswith("00_")]
    for row in index:  # every file listed with the hash of the bytes in the archive
        assert hashlib.sha256(archive.read(row["文件"])).hexdigest() == row["SHA-256"], row["文件"]

    documents = [n for n in names if n.startswith("01_文书/")]
    assert [n.split("_", 2)[2][:6] for n in documents] == ["现场检查记录", "责令限期整改", "整改复查意见"]
    assert "现场检查记录" in pdf_text(archive.read(documents[0]))
    assert "责令限期整改指令书" in pdf_text(archive.read(documents[1]))
    reinspection = pdf_text(archive.read(documents[2]))
    assert "整改复查意见书" in reinspection and re.sub(r"\s+", "", reinspection_number) in reinspection

    pictures = [n for n in names if n.startswith("02_照片/")]
    stored = {p.id: p for p in session.exec(select(Photo).where(Photo.id.in_(list(photos.values())))).all()}
    assert len(pictures) == 3
    for role, photo_id in (("检查时照片", photos["before"]), ("整改材料照片", photos["first"]),
                           ("整改材料照片", photos["second"])):
        name = next(n for n in pictures if n.endswith(f"_{role}_{photo_id}.jpg"))
        assert hashlib.sha256(archive.read(name)).hexdigest() == stored[photo_id].sha256  # the original as stored
        row = next(r for r in index if r["文件"] == name)
        assert "与上传时记录的哈希一致" in row["说明"] and stored[photo_id].verify_code in row["说明"]

    reviews = read_csv(archive, "03_整改材料与审核.csv")
    assert [(r["审核结论"], r["审核意见"], r["照片"]) for r in reviews] == [
        ("退回", "照片看不清灭火器压力表", str(photos["first"])), ("通过", "复查属实", str(photos["second"]))]
    assert {r["审核人"] for r in reviews} == {"inspector"} and {r["提交人"] for r in reviews} == {"enterprise_a"}

    events = read_csv(archive, "04_审计事件.csv")
    actions = [e["动作"] for e in events]
    assert "evidence.submitted" in actions and "evidence.rejected" in actions
    assert "order.issued" in actions and "order.reinspection_issued" in actions
    assert any(a.startswith("visit.") for a in actions)  # the visit the hazard was found on
    assert [int(e["事件号"]) for e in events] == sorted(int(e["事件号"]) for e in events)
    summary = pdf_text(archive.read("00_卷内目录.pdf"))
    assert "卷内目录" in summary and "链完整" in summary and "校验未通过" not in summary
    assert f"#{hazard_id}" in summary


def test_only_the_office_and_the_hazards_department_may_export(client, world):
    hazard_id, _ = hazard_with_before(client, world, scenes.extinguisher_wall(4))
    assert export(client, world, hazard_id, "office").status_code == 200
    assert export(client, world, hazard_id, "inspector2").status_code == 200
    other = export(client, world, hazard_id, "fire_inspector")
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_your_department"
    assert export(client, world, hazard_id, "enterprise_a").status_code == 403
    assert export(client, world, hazard_id, "enterprise_b").status_code == 404
    assert export(client, world, 10**9).status_code == 404


def test_an_altered_or_removed_event_is_reported_in_the_index(client, world, session):
    hazard_id, _ = hazard_with_before(client, world, scenes.extinguisher_wall(5))
    _evidence(client, world, hazard_id, scenes.extinguisher_wall(13))
    ids = session.exec(select(Event.id).where(Event.entity == "hazard", Event.entity_id == hazard_id)
                       .order_by(Event.id)).all()
    assert len(ids) >= 2
    session.execute(text("UPDATE event SET reason = 'changed' WHERE id = :id"), {"id": ids[-1]})
    session.commit()
    altered = zipfile.ZipFile(io.BytesIO(export(client, world, hazard_id).content))
    assert f"事件#{ids[-1]}内容与哈希不符" in pdf_text(altered.read("00_卷内目录.pdf"))

    session.execute(text("DELETE FROM event WHERE id = :id"), {"id": ids[0]})
    session.commit()
    removed = zipfile.ZipFile(io.BytesIO(export(client, world, hazard_id).content))
    row = next(r for r in read_csv(removed, "00_卷内目录.csv") if r["文件"] == "04_审计事件.csv")
    assert row["说明"].startswith("链校验未通过") and "不衔接" in row["说明"]


def test_a_missing_original_is_listed_not_fatal(client, world, session, media_dir):
    hazard_id, before = hazard_with_before(client, world, scenes.extinguisher_wall(6))
    photo = session.get(Photo, before)
    (media_dir / "photos" / photo_service.key_for(photo, photo_service.Variant.ORIGINAL)).unlink()
    response = export(client, world, hazard_id)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert not [n for n in archive.namelist() if n.startswith("02_照片/")]
    row = next(r for r in read_csv(archive, "00_卷内目录.csv") if r["类别"] == "照片")
    assert row["文件"] == "" and row["说明"].startswith("原图文件缺失") and row["SHA-256"] == photo.sha256


def test_the_case_file_holds_each_instruments_service_receipt_and_signed_pages(client, world):
    """Issue 17: the case file holds the service records; its instruments print as signed (page marks)."""
    hazard_id, _, _ = closed_case(client, world)
    order_id = client.get(f"{API}/hazards/{hazard_id}", headers=world.headers("office")).json()["order_ids"][0]
    served = client.post(f"{API}/documents/order/{order_id}/service", headers=world.headers("inspector"), json={
        "method": "left", "served_at": utcnow().isoformat(), "recipient_name": "王建国", "left_reason": "拒绝签收",
        "witnesses": ["赵见证"], "place": "企业门卫室"})
    assert served.status_code == 201, served.text
    archive = zipfile.ZipFile(io.BytesIO(export(client, world, hazard_id).content))
    receipts = [n for n in archive.namelist() if "送达回执" in n]
    assert len(receipts) == 1, archive.namelist()
    text = pdf_text(archive.read(receipts[0]))
    assert "留置送达" in text and "赵见证" in text
    order_pdf = next(n for n in archive.namelist() if n.startswith("01_文书/") and "指令书" in n)
    assert "第 1 页 共" in pdf_text(archive.read(order_pdf)) or "第1页共" in pdf_text(archive.read(order_pdf))
