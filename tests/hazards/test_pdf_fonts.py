"""Every PDF embeds its Chinese font as a subset (FontFile2, a ``ABCDEF+`` name), so it prints the same anywhere.

reportlab embeds TrueType outlines only; without a TrueType CJK font (fonts-arphic-uming) the documents fall back to
the unembedded STSong-Light and these tests skip, saying why."""

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from hazards.documents import render as d
from hazards.stats import report as stats_report
from inspection import fonts
from inspection.identity.accounts import actor_for
from tests.hazards import stats_dataset
from tests.hazards.stats_dataset import NOW
from tests.hazards.test_documents import order, reinspection, visit

needs_font = pytest.mark.skipif(
    fonts.find_pdf_font() is None,
    reason="no TrueType CJK font installed (apt-get install fonts-arphic-uming): PDFs use STSong-Light, not embedded")


def embedded_fonts(content: bytes) -> list[tuple[str, bool]]:
    """(BaseFont, has FontFile2) of every font the pages use, descendant fonts of Type0 fonts included."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            for leaf in [font, *[f.get_object() for f in font.get("/DescendantFonts", [])]]:
                descriptor = leaf.get("/FontDescriptor")
                if descriptor is None:
                    continue
                found.append((str(leaf["/BaseFont"]), "/FontFile2" in descriptor.get_object()))
    return found


def assert_embedded_subset(content: bytes) -> None:
    fonts_used = embedded_fonts(content)
    assert fonts_used, "no font with a descriptor: the CJK font is not embedded"
    for name, has_file in fonts_used:
        assert has_file, f"{name} has no FontFile2"
        assert re.fullmatch(r"/[A-Z]{6}\+\S+", name), f"{name} is not a subset name"
    assert "STSong-Light" not in content.decode("latin-1")


@needs_font
def test_the_registered_font_is_the_embedded_truetype_one() -> None:
    assert fonts.pdf_font() == fonts.PDF_FONT


@needs_font
def test_an_order_embeds_its_font_and_stays_deterministic() -> None:
    content = d.order_pdf(order())
    assert_embedded_subset(content)
    assert content == d.order_pdf(order())


@needs_font
def test_a_visit_record_embeds_its_font(tmp_path: Path) -> None:
    assert_embedded_subset(d.visit_record_pdf(visit(tmp_path)))


@needs_font
def test_a_reinspection_opinion_embeds_its_font() -> None:
    assert_embedded_subset(d.reinspection_pdf(reinspection(("rectified", ""), ("not_rectified", "extend"))))


@needs_font
def test_the_monthly_report_embeds_its_font(session, world) -> None:
    stats_dataset.build(session, world)
    session.commit()
    office = actor_for(world.users["office"])
    monthly = stats_report.monthly(session, actor=office, month="2026-06", now=NOW)
    assert_embedded_subset(stats_report.render_pdf(monthly))


def test_without_a_truetype_cjk_font_pdfs_fall_back_with_a_warning(monkeypatch, caplog) -> None:
    monkeypatch.setattr(fonts, "PDF_FONT_PATHS", ())
    monkeypatch.setattr(fonts, "_pdf_font", None)
    caplog.set_level("WARNING", logger="xuncha.fonts")
    assert fonts.pdf_font() == fonts.PDF_FALLBACK_FONT
    assert any("fonts-arphic-uming" in r.getMessage() for r in caplog.records)
