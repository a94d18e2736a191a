import pytest

from inspection.registry import creditcode


@pytest.mark.parametrize("code", [
    "91320411123456788R",  # REFERENCE.md test vector
    "91350100M000100Y43",  # published example code
    "９１３２０４１１１２３４５６７８８Ｒ",  # full-width, as pasted from a document
    " 91320411123456788r ",
])
def test_valid_codes(code):
    result = creditcode.check(code)
    assert result.ok, result.errors
    assert len(result.code) == 18


@pytest.mark.parametrize(("code", "fragment"), [
    ("91320411123456788A", "check character should be R"),
    ("9132041112345678", "length must be 18"),
    ("91320411I23456788R", "characters not allowed: I"),
    ("91320411O23456788R", "characters not allowed: O"),
    ("", "length must be 18"),
])
def test_invalid_codes_say_which_check_failed(code, fragment):
    result = creditcode.check(code)
    assert not result.ok
    assert fragment in result.errors[0]


def test_check_character_weights():
    assert creditcode.WEIGHTS[:6] == [1, 3, 9, 27, 19, 26]
    assert creditcode.check_character("91320411123456788") == "R"


def test_single_character_typos_are_caught():
    valid = "91320411123456788R"
    for i in range(17):
        for ch in "0123456789":
            typo = valid[:i] + ch + valid[i + 1:]
            if typo != valid:
                assert not creditcode.check(typo).ok, typo


def test_organisation_code_check_is_a_warning_only():
    base = "91320411123456788"
    result = creditcode.check(base + creditcode.check_character(base))
    assert result.ok
    bad_org = "9132041100000000"
    code = bad_org + "1"
    code += creditcode.check_character(code)
    assert creditcode.check(code).ok
