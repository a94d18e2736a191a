"""The Chinese user guide (docs/使用手册.md): the README links it, it has a chapter each for inspectors,
enterprises and the office, and every picture it shows is a screen a browser test takes."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "使用手册.md"


def test_the_readme_links_the_guide():
    assert "docs/使用手册.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_one_chapter_each_for_inspectors_enterprises_and_the_office():
    chapters = re.findall(r"^## (第.章 .+)$", GUIDE.read_text(encoding="utf-8"), flags=re.M)
    assert [c.split(" ", 1)[1].split("（")[0] for c in chapters] == ["检查人员", "企业", "安委办"]


def test_every_picture_is_there_and_is_a_screen_a_browser_test_takes():
    pictures = re.findall(r"!\[[^\]]*\]\((images/[^)]+)\)", GUIDE.read_text(encoding="utf-8"))
    assert pictures
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "web").glob("test_*.py"))
    for picture in pictures:
        assert (GUIDE.parent / picture).is_file(), picture
        assert f'"{Path(picture).stem}' in tests, f"{picture}: no browser test takes this screen"
