"""Loading the checklist files of this folder: validated one by one, then their history across versions
(codes kept or retired, never reused)."""

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from inspection.field.checklists.model import Checklist, ChecklistError

DEFAULT_DIRECTORY = Path(__file__).parent


_FILE_NAME = re.compile(r"^(?P<kind>[A-Z]+)\.v(?P<version>[1-9][0-9]*)\.json$")


def load_file(path: Path) -> Checklist:
    """Load and validate one checklist file; any problem raises ChecklistError naming the file."""
    match = _FILE_NAME.match(path.name)
    if match is None:
        raise ChecklistError(f"{path.name}: file name must look like KIND.vN.json (e.g. DUST.v1.json)")
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ChecklistError(f"{path.name}: cannot read the file: {exc}") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ChecklistError(f"{path.name}: not valid JSON: {exc.msg} at {where}") from exc
    try:
        checklist = Checklist.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise ChecklistError(f"{path.name}: {_explain(exc, raw)}") from exc
    named = (match["kind"], int(match["version"]))
    if named != (checklist.kind, checklist.version):
        raise ChecklistError(
            f"{path.name}: the file name says {named[0]} v{named[1]} "
            f"but the content says {checklist.kind.value} v{checklist.version}"
        )
    return checklist



def _explain(error: ValidationError, raw: Any) -> str:
    problems = [f"{_where(problem['loc'], raw)}: {problem['msg']}" for problem in error.errors()]
    return "; ".join(problems)



def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """Turn a pydantic location into 'sections[1].items[4] (DUST-06).applies_if'."""
    parts: list[str] = []
    node = raw
    for step in loc:
        parts.append(f"[{step}]" if isinstance(step, int) else f".{step}")
        node = _child(node, step)
        if isinstance(node, Mapping) and isinstance(node.get("code"), str) and isinstance(step, int):
            parts.append(f" ({node['code']})")
    return "".join(parts).lstrip(".") or "checklist"



def _child(node: Any, step: int | str) -> Any:
    if isinstance(node, Mapping):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None



def load_all(directory: Path | None = None) -> dict[tuple[str, int], Checklist]:
    """Every checklist in ``directory`` (default: the packaged files, loaded once) by (kind, version)."""
    if directory is None:
        return dict(_load_default())
    return _load_directory(directory)



@functools.cache
def _load_default() -> dict[tuple[str, int], Checklist]:
    return _load_directory(DEFAULT_DIRECTORY)



def _load_directory(directory: Path) -> dict[tuple[str, int], Checklist]:
    if not directory.is_dir():
        raise ChecklistError(f"{directory}: checklist directory not found")
    found: dict[tuple[str, int], tuple[Path, Checklist]] = {}
    for path in sorted(directory.glob("*.json")):
        checklist = load_file(path)
        key = (checklist.kind.value, checklist.version)
        if key in found:
            earlier = found[key][0].name
            raise ChecklistError(f"{path.name}: {key[0]} v{key[1]} is already defined by {earlier}")
        found[key] = (path, checklist)
    if not found:
        raise ChecklistError(f"{directory}: no checklist files (KIND.vN.json)")
    _check_history({key: checklist for key, (_, checklist) in found.items()},
                   {key: path.name for key, (path, _) in found.items()})
    return {key: checklist for key, (_, checklist) in found.items()}



def _check_history(loaded: Mapping[tuple[str, int], Checklist], names: Mapping[tuple[str, int], str]) -> None:
    """Across the versions of a kind: a retired code is never used again, and no code disappears unretired."""
    for kind in {kind for kind, _ in loaded}:
        versions = sorted(version for loaded_kind, version in loaded if loaded_kind == kind)
        seen: set[str] = set()
        retired: dict[str, int] = {}
        previous: set[str] = set()
        for version in versions:
            checklist, name = loaded[(kind, version)], names[(kind, version)]
            codes = {item.code for item in checklist.items}
            if reused := sorted(code for code in codes if code in retired):
                raise ChecklistError(f"{name}: retired code(s) {reused} reused (retired in "
                                     f"v{retired[reused[0]]}); a changed check gets a new code")
            for entry in checklist.retired:
                if entry.code in retired:
                    raise ChecklistError(f"{name}: {entry.code} was already retired in v{retired[entry.code]}")
                if entry.code not in seen:
                    raise ChecklistError(f"{name}: retires {entry.code}, which no earlier version has")
                if entry.replaced_by is not None and entry.replaced_by in seen:
                    raise ChecklistError(f"{name}: {entry.code} is replaced by {entry.replaced_by}, an existing "
                                         f"code; a replacement gets a new code")
                retired[entry.code] = version
            if dropped := sorted(previous - codes - {entry.code for entry in checklist.retired}):
                raise ChecklistError(f"{name}: code(s) {dropped} of the previous version are neither kept nor "
                                     f"retired")
            seen |= codes
            previous = codes

