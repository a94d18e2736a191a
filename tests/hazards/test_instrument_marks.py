"""Every page of every instrument (REFERENCE §G.7, §G.12): 第 n 页 共 N 页, the number, the content hash and the
signatures — or the recorded refusal — rendered from hand-made data and read back with pypdf; the appeal bodies
and the law of service as data with their sources."""

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PIL import Image
from pypdf import PdfReader

from hazards.documents import content as c
from hazards.documents import render as d
from hazards.documents.digest import content_digest, printed
from hazards.rules import appeals, service_law
from inspection.errors import InvalidInput
from tests.hazards.test_documents import ENTERPRISE, INSPECTORS, order, reinspection

BODIES = appeals.for_district("新北")
MANY = tuple(c.OrderItem(f"DUST-{i:02d}", "除尘器进出风口未设置隔爆装置，" * 5, "《粉尘防爆安全规程》第8.2条",
                         date(2026, 4, 1), major=True) for i in range(1, 25))


def pages_of(content: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def measures() -> c.MeasuresDocument:
    return c.MeasuresDocument("应急管理局", "（新北）应急现决〔2026〕0001号", ENTERPRISE, MANY,
                              ("从危险区域内撤出作业人员",), "《中华人民共和国安全生产法》第六十五条第一款第（三）项",
                              "经本机关审查同意，方可恢复生产经营和使用。", BODIES.notice("决定"), INSPECTORS,
                              date(2026, 3, 1))


def exemption() -> c.ExemptionDocument:
    return c.ExemptionDocument("应急管理局", "（新北）应急不罚〔2026〕0001号", ENTERPRISE, "未采取措施消除一般事故隐患",
                               "检查发现……" * 200, "江苏省应急管理轻微违法行为不予行政处罚清单", "2025年版",
                               ("首次违法",), "《中华人民共和国行政处罚法》第三十三条第一款", BODIES.notice("决定"),
                               INSPECTORS, date(2026, 3, 1))


def visit_record() -> c.VisitDocument:
    rows = tuple(c.ResultRow(f"DUST-{i:02d}", "检查内容" * 10, "pass") for i in range(1, 60))
    return c.VisitDocument("应急管理局", 7, ENTERPRISE, datetime(2026, 3, 1, 1, 30, tzinfo=UTC), INSPECTORS,
                           (c.DepartmentSection("应急管理局", rows),), number="（新北）应急检记〔2026〕0007号",
                           representative=c.Representative("王建国", "主要负责人", "13912345678"), place="二号车间",
                           ended_at=datetime(2026, 3, 1, 3, 0, tzinfo=UTC), credentials_shown=True,
                           recusal_explained=True)


def receipt() -> c.ReceiptDocument:
    return c.ReceiptDocument("应急管理局", ENTERPRISE, "责令限期整改指令书", "（新北）应急责改〔2026〕0001号",
                             "留置送达",
                             "《中华人民共和国民事诉讼法》第八十九条（条款未核实）", "王建国",
                             datetime(2026, 3, 2, 2, 0, tzinfo=UTC), "张三", place="企业门卫室",
                             left_reason="拒绝签收", witnesses=("赵见证", "钱见证"))


INSTRUMENTS = {
    "order": (lambda: replace(order(), items=MANY), d.order_pdf, "（新北）应急责改〔2026〕0001号"),
    "visit": (visit_record, d.visit_record_pdf, "（新北）应急检记〔2026〕0007号"),
    "reinspection": (lambda: reinspection(*[("rectified", "")] * 30), d.reinspection_pdf,
                     "（新北）应急复查〔2026〕0001号"),
    "measures": (measures, d.measures_pdf, "（新北）应急现决〔2026〕0001号"),
    "exemption": (exemption, d.exemption_pdf, "（新北）应急不罚〔2026〕0001号"),
}


@pytest.mark.parametrize("kind", list(INSTRUMENTS))
def test_every_page_has_its_number_of_pages_the_document_number_hash_and_signature_lines(kind):
    make, pdf, number = INSTRUMENTS[kind]
    document = make()
    pages = pages_of(pdf(document))
    assert len(pages) > 1, "the test needs a document of several pages"
    code = printed(content_digest(document))
    for n, text in enumerate(pages, 1):
        assert f"第{n}页共{len(pages)}页" in text
        assert number in text and f"校验码{code}" in text
        assert "签名：" in text and "执法人员张三签名" in text and "执法人员李四签名" in text


@pytest.mark.parametrize("kind", list(INSTRUMENTS))
def test_a_refusal_is_printed_on_every_page_instead_of_the_signature(kind):
    make, pdf, _ = INSTRUMENTS[kind]
    refusal = "当事人拒绝签字（理由：不认可检查结论；见证人：李见证）"
    for text in pages_of(pdf(make(), c.SignedBy(refusal=refusal))):
        assert "当事人拒绝签字" in text and "李见证" in text


@pytest.mark.parametrize("kind", list(INSTRUMENTS))
def test_captured_signatures_are_drawn_on_every_page(kind, tmp_path):
    make, pdf, _ = INSTRUMENTS[kind]
    ink = tmp_path / "ink.png"
    Image.new("RGB", (400, 120), (30, 30, 160)).save(ink)
    signed = c.SignedBy(enterprise=ink, inspectors=(("张三", ink),))
    for page in PdfReader(io.BytesIO(pdf(make(), signed))).pages:
        assert page.images, "a signature on every page"


def test_the_hash_is_of_the_content_and_changes_with_it():
    first = order()
    assert content_digest(first) == content_digest(order())
    assert content_digest(replace(first, number="（新北）应急责改〔2026〕0002号")) != content_digest(first)


def test_the_visit_record_prints_every_field_of_g7():
    text = "".join(pages_of(d.visit_record_pdf(visit_record())))
    for expected in ["（新北）应急检记〔2026〕0007号", "主要负责人：王建国", "联系电话：13912345678",
                     "检查场所：二号车间",
                     "检查时间：2026年3月1日09:30至2026年3月1日11:00", "已向被检查单位出示执法证件", "有权申请回避",
                     "32041100001", "32041100002"]:
        assert expected in text, expected
    assert "系统编号" not in text


def test_the_receipt_records_how_it_was_served():
    pages = pages_of(d.receipt_pdf(receipt()))
    text = "".join(pages)
    for expected in ["送达回执", "（新北）应急责改〔2026〕0001号", "留置送达", "拒绝签收", "赵见证、钱见证",
                     "企业门卫室",
                     "（条款未核实）", "受送达人", "拒收，留置送达"]:
        assert expected in text, expected


def test_appeal_bodies_are_data_with_their_source_and_never_generic():
    assert BODIES.review_body == "常州市新北区人民政府" and BODIES.court.endswith("人民法院")
    assert BODIES.court_source and BODIES.court_verified is False  # the court's 集中管辖 not read: said so
    notice = BODIES.notice("决定")
    assert "向常州市新北区人民政府申请行政复议" in notice and f"向{BODIES.court}提起行政诉讼" in notice
    assert "有管辖权" not in notice
    with pytest.raises(InvalidInput):
        appeals.for_district("不存在区")
    with pytest.raises(ValueError):
        d.order_pdf(order(review_body="", court=""))


def test_every_method_of_service_has_its_basis_and_unverified_ones_are_printed_so():
    methods = service_law.methods()
    assert set(methods) == {"direct", "left", "electronic", "mail"}
    assert methods["electronic"].needs_consent and methods["left"].min_witnesses >= 1
    for method in methods.values():
        assert method.basis.source
        assert method.basis.verified or method.basis.printed.endswith("（条款未核实）")
