"""The PDF renderers alone, from hand-made data: no database, fast."""

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from hazards.documents import content as c
from hazards.documents import render as d

ENTERPRISE = c.EnterpriseInfo("常州市甲铝业有限公司", "91320411000000001X", "常州市新北区三井街道测试路1号")
INSPECTORS = (c.Inspector("张三", "32041100001", "应急管理局"), c.Inspector("李四", "32041100002", "应急管理局"))
URL = "https://xuncha.example.gov.cn/portal/orders/eyJleHAiOjE3OTAwMDAwMDAsIm8iOjF9.abcdefghijklmnopqrstuv"


def pdf_text(content: bytes) -> str:
    """All text of the document with whitespace removed (wrapping puts line breaks anywhere)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def images(content: bytes) -> list[Image.Image]:
    return [image.image for page in PdfReader(io.BytesIO(content)).pages for image in page.images]


def order(**overrides) -> c.OrderDocument:
    items = (
        c.OrderItem("DUST-07", "铝粉除尘系统未采用防爆措施", "《工贸企业重大事故隐患判定标准》第十一条第（三）项",
                    date(2026, 3, 8), major=True, standard="除尘系统未按规定采取防爆措施", photo_codes=("T0000012",),
                    plan_due=True),
        c.OrderItem("DUST-12", "电气设备不符合防爆要求", "《粉尘防爆安全规程》（GB 15577-2018）第6.1条",
                    date(2026, 3, 16), party="tenant"),
        c.OrderItem("DUST-16", "作业现场积尘未及时清理", "《粉尘防爆安全规程》（GB 15577-2018）第9.1条",
                    date(2026, 3, 1), immediate=True),
    )
    values = {"authority": "常州国家高新区（新北区）应急管理局", "number": "（新北）应急责改〔2026〕0001号",
              "enterprise": ENTERPRISE, "items": items, "inspectors": INSPECTORS, "issued_on": date(2026, 3, 1),
              "portal_url": URL, "review_body": "常州市新北区人民政府", "court": "常州市新北区人民法院"}
    values.update(overrides)
    return c.OrderDocument(**values)


def test_order_prints_every_field_of_the_form():
    text = pdf_text(d.order_pdf(order()))
    for expected in ["常州国家高新区（新北区）应急管理局", "责令限期整改指令书", "（新北）应急责改〔2026〕0001号",
                     "常州市甲铝业有限公司", "91320411000000001X", "常州市新北区三井街道测试路1号",
                     "DUST-07", "DUST-12", "DUST-16", "【重大事故隐患】", "T0000012", "（承租方责任）",
                     "《粉尘防爆安全规程》（GB15577-2018）第6.1条", "于2026年3月16日前整改完毕",
                     "立即整改，于2026年3月1日前整改完毕", "于2026年3月8日前报送治理方案",
                     "整改期间安全要求", "救济途径", "六十日内", "行政复议", "六个月内", "行政诉讼", "不停止执行",
                     "32041100001", "32041100002", "张三", "李四", "被检查单位负责人（签名）", "（印章）",
                     "2026年3月1日", "第1页共"]:
        assert expected in text, expected
    assert squash(d.short_url(URL)) in text and "https://" not in text
    assert "关联指令书" not in text


def test_order_never_carries_a_stop_work_clause():
    """Withdrawal and suspension are ordered by a 现场处理措施决定书 of their own (REFERENCE §G.4)."""
    text = pdf_text(d.order_pdf(order()))
    assert "撤出作业人员" not in text and "停产停业" not in text and "报送隐患治理方案" in text


def test_order_without_major_hazards_leaves_out_the_stop_work_measures():
    plain = order(items=order().items[1:])
    assert "撤出作业人员" not in pdf_text(d.order_pdf(plain))


def test_order_names_the_other_partys_linked_order():
    linked = c.LinkedOrder("（新北）应急责改〔2026〕0002号", "丙园区管理公司", "landlord")
    text = pdf_text(d.order_pdf(order(linked=linked)))
    assert "关联指令书：（新北）应急责改〔2026〕0002号（出租方丙园区管理公司）" in text


def test_order_qr_code_is_the_portal_url():
    pictures = images(d.order_pdf(order()))
    assert len(pictures) == 1
    expected = Image.open(io.BytesIO(d.qr_png(URL))).convert("L")
    assert ImageChops.difference(pictures[0].convert("L"), expected).getbbox() is None


def test_configured_review_body_and_court_are_named():
    text = pdf_text(d.order_pdf(order(review_body="常州市新北区人民政府", court="常州市新北区人民法院")))
    assert "向常州市新北区人民政府申请行政复议" in text and "向常州市新北区人民法院提起行政诉讼" in text


def test_long_orders_wrap_onto_numbered_pages_and_markup_in_data_is_text():
    many = tuple(c.OrderItem(f"DUST-{i:02d}", "除尘器进出风口未设置隔爆装置，" * 6, "《粉尘防爆安全规程》第8.2条",
                             date(2026, 4, 1)) for i in range(1, 30))
    odd = c.EnterpriseInfo("A&B <有限> 公司", "", "")
    content = d.order_pdf(order(items=many, enterprise=odd))
    pages = len(PdfReader(io.BytesIO(content)).pages)
    text = pdf_text(content)
    assert pages > 2
    assert f"第{pages}页共{pages}页" in text and "A&B<有限>公司" in text and "DUST-29" in text


def test_rendering_is_deterministic():
    assert d.order_pdf(order()) == d.order_pdf(order())


def _photo(path: Path) -> Path:
    Image.new("RGB", (1200, 900), (90, 140, 200)).save(path, "JPEG")
    return path


def visit(tmp_path: Path, **overrides) -> c.VisitDocument:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    fail = c.ResultRow("DUST-07", "除尘系统未采用防爆措施", "fail", note="铝粉积尘", photos=(
        c.PhotoRef("T0000012", _photo(tmp_path / "a.jpg"), datetime(2026, 3, 1, 2, 30, tzinfo=UTC)),
        c.PhotoRef("T0000013", None), c.PhotoRef("T0000014", broken)))
    safety = c.DepartmentSection("应急管理局", (c.ResultRow("DUST-01", "涉爆粉尘作业区位于多层厂房内", "pass"), fail,
                                              c.ResultRow("DUST-09", "木粉", "not_applicable")),
                                 ("（新北）应急责改〔2026〕0001号",))
    gas = c.DepartmentSection("住建局", (c.ResultRow("GAS-03", "未安装可燃气体报警装置", "fail", fixed_on_spot=True),))
    values = {"authority": "应急管理局", "visit_id": 12, "enterprise": ENTERPRISE,
              "visited_at": datetime(2026, 3, 1, 1, 30, tzinfo=UTC), "inspectors": INSPECTORS,
              "sections": (safety, gas)}
    values.update(overrides)
    return c.VisitDocument(**values)


def test_visit_record_has_a_section_per_department_with_results_and_photos(tmp_path):
    content = d.visit_record_pdf(visit(tmp_path))
    text = pdf_text(content)
    for expected in ["现场检查记录", "常州市甲铝业有限公司", "2026年3月1日09:30", "一、应急管理局检查情况",
                     "二、住建局检查情况", "DUST-01", "DUST-07", "DUST-09", "GAS-03", "合格", "不合格", "不适用",
                     "铝粉积尘", "已当场整改", "验证码T0000012拍摄于2026年3月1日10:30",
                     "照片文件缺失（验证码T0000013）", "照片文件缺失（验证码T0000014）",
                     "已出具责令限期整改指令书：（新北）应急责改〔2026〕0001号", "32041100001", "32041100002",
                     "被检查单位负责人（签名）：______________"]:
        assert expected in text, expected
    assert len(images(content)) == 1  # the one readable photo; no signature attached


def test_visit_record_shows_the_attached_signature(tmp_path):
    signature = tmp_path / "sign.png"
    Image.new("RGBA", (600, 200), (0, 0, 0, 0)).save(signature)
    content = d.visit_record_pdf(visit(tmp_path, signature=signature))
    names = [{img.name for img in page.images} for page in PdfReader(io.BytesIO(content)).pages]
    assert set.intersection(*names)  # the signature stamped on every page
    assert len(set.union(*names)) >= 2  # and the photo
    assert "被检查单位负责人（签名）：______________" not in pdf_text(content)


def test_visit_record_of_an_unsubmitted_visit_says_so(tmp_path):
    text = pdf_text(d.visit_record_pdf(visit(tmp_path, sections=(), submitted=False, visited_at=None)))
    assert "尚未提交检查结果" in text and "（未记录）" in text


def reinspection(*states: tuple[str, str]) -> c.ReinspectionDocument:
    items = tuple(c.ReinspectionItem(f"DUST-{i:02d}", f"隐患{i}", date(2026, 3, 8), state, next_step, note="复查说明")
                  for i, (state, next_step) in enumerate(states, 1))
    return c.ReinspectionDocument("应急管理局", "（新北）应急复查〔2026〕0001号", ENTERPRISE,
                                  "（新北）应急责改〔2026〕0001号", date(2026, 3, 18), items, INSPECTORS)


def test_reinspection_prints_each_items_final_state_and_next_step():
    text = pdf_text(d.reinspection_pdf(reinspection(("rectified", ""), ("unsatisfactory", ""),
                                                    ("not_rectified", "extend"))))
    for expected in ["整改复查意见书", "（新北）应急复查〔2026〕0001号", "被复查单位：常州市甲铝业有限公司",
                     "复查依据：责令限期整改指令书（新北）应急责改〔2026〕0001号", "复查日期：2026年3月18日",
                     "已整改", "整改不合格", "未整改", "核销", "立案处罚", "延期整改", "复查情况：复查说明",
                     "对第1项，予以核销", "对第2项，本机关将依法立案处理", "对第3项，准予延期整改",
                     "32041100001", "32041100002", "被复查单位负责人（签名）"]:
        assert expected in text, expected


def test_reinspection_with_everything_fixed_closes_the_case():
    text = pdf_text(d.reinspection_pdf(reinspection(("rectified", ""), ("rectified", ""))))
    assert "上述事故隐患均已整改完毕，予以核销" in text


@pytest.mark.parametrize(("day", "expected"), [(date(2026, 1, 5), "2026年1月5日"),
                                               (date(2026, 12, 31), "2026年12月31日")])
def test_chinese_dates_have_no_leading_zeros(day, expected):
    assert d.cn_date(day) == expected
