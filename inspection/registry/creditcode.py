"""统一社会信用代码 (GB 32100-2015) validation.

Hard checks (refuse): length 18, alphabet (digits and capitals without I, O, S, V, Z), check character.
Soft checks (warnings only): the GB 11714 organisation-code check digit in positions 9–17.
"""

import unicodedata
from dataclasses import dataclass, field

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


@dataclass(frozen=True)
class CreditCodeCheck:
    code: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def normalize(raw: str) -> str:
    """Trim, full-width to half-width, upper-case."""
    return unicodedata.normalize("NFKC", raw).strip().replace(" ", "").upper()


def check_character(base17: str) -> str:
    total = sum(VALUES[ch] * weight for ch, weight in zip(base17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _org_code_ok(body: str) -> bool:
    """GB 11714: 8 characters weighted, then a check digit (10 -> X, 11 -> 0)."""
    try:
        values = [int(ch, 36) for ch in body[:8]]
    except ValueError:
        return False
    remainder = 11 - sum(v * w for v, w in zip(values, ORG_WEIGHTS, strict=True)) % 11
    expected = {10: "X", 11: "0"}.get(remainder, str(remainder))
    return body[8] == expected


def check(raw: str) -> CreditCodeCheck:
    code = normalize(raw)
    if len(code) != 18:
        return CreditCodeCheck(code, errors=[f"长度应为18位，实际{len(code)}位 / length must be 18, got {len(code)}"])
    bad = sorted({ch for ch in code if ch not in VALUES})
    if bad:
        return CreditCodeCheck(
            code, errors=[f"含非法字符 {''.join(bad)}（不使用I、O、S、V、Z）/ characters not allowed: {''.join(bad)}"]
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return CreditCodeCheck(
            code,
            errors=[f"校验位错误：应为 {expected}，实际为 {code[17]} / check character should be {expected}"],
        )
    warnings = []
    if not code[2:8].isdigit():
        warnings.append("第3–8位登记管理机关行政区划码应为数字 / region code should be digits")
    if not _org_code_ok(code[8:17]):
        warnings.append("第9–17位组织机构代码校验未通过 / organisation code check digit (GB 11714) failed")
    return CreditCodeCheck(code, warnings=warnings)
