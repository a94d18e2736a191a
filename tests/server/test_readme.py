"""The README stays true: every setting is documented, and the two commands are there."""

import re
from pathlib import Path

from server.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme():
    missing = [name for name in Settings.model_fields if f"`XUNCHA_{name.upper()}`" not in README]
    assert missing == []


def test_readme_shows_the_two_commands():
    assert "make run" in README and "make test" in README


def test_architecture_map_names_every_package_and_no_other():
    root = Path(__file__).parents[2]
    packages = {
        f"{path.parent.relative_to(root).as_posix()}/"
        for top in ("server", "hazards", "inspection", "schemas")
        for path in (root / top).rglob("__init__.py")
        if "versions" not in path.parts
    }
    section = README.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    mapped = set(re.findall(r"^\| `([a-z_/]+/)` \|", section, flags=re.M))
    assert mapped == packages
