"""#20: validation errors read in Chinese; the machine-readable code, type and field paths stay as they were."""

import re

import pytest

from schemas.validation_messages import TEMPLATES, message_for

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORDS = re.compile(r"[A-Za-z]{4,}")
TECHNICAL = {"true", "false", "JSON", "UUID", "Unicode", "YYYY"}  # words a Chinese form also writes this way


def _new_enterprise(**overrides):
    body = {"name": "校验测试有限公司", "credit_code": "91320411MA1XYZ0001"}
    body.update(overrides)
    return body


def _problems(response, status=422):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith("请求数据不合法")
    return error["details"]


def _one(problems, loc):
    found = [p for p in problems if p["loc"] == loc]
    assert found, problems
    return found[0]


def _chinese_only(message):
    assert CJK.search(message), message
    assert not set(LATIN_WORDS.findall(message)) - TECHNICAL, message


def test_an_enum_mismatch_lists_the_allowed_values_in_chinese(client, world):
    response = client.post(f"{API}/enterprises", json=_new_enterprise(gas_user=True, gas_supply="coal"),
                           headers=world.headers("office"))
    problem = _one(_problems(response), ["body", "gas_supply"])
    assert problem["type"] == "enum"
    assert problem["message"].startswith("取值须为以下之一：")
    assert "pipeline" in problem["message"] and "Input should" not in problem["message"]


def test_a_missing_field_is_said_in_chinese(client, world):
    body = _new_enterprise()
    del body["name"]
    problem = _one(_problems(client.post(f"{API}/enterprises", json=body, headers=world.headers("office"))),
                   ["body", "name"])
    assert problem["type"] == "missing"
    assert problem["message"] == "必填项缺失"


def test_a_too_long_string_names_its_limit(client, world):
    response = client.post(f"{API}/enterprises", json=_new_enterprise(name="长" * 129),
                           headers=world.headers("office"))
    problem = _one(_problems(response), ["body", "name"])
    assert problem["type"] == "string_too_long"
    assert problem["message"] == "最多 128 个字符"


def test_a_bad_integer_in_the_path_and_the_query(client, world):
    path = _one(_problems(client.get(f"{API}/hazards/abc", headers=world.headers("office"))),
                ["path", "hazard_id"])
    assert path["type"] == "int_parsing" and path["message"] == "须为整数"
    query = _one(_problems(client.get(f"{API}/hazards", params={"limit": 0}, headers=world.headers("office"))),
                 ["query", "limit"])
    assert query["type"] == "greater_than_equal" and query["message"] == "须不小于 1"


def test_our_own_validators_speak_chinese_too(client, world):
    response = client.post(f"{API}/enterprises", json=_new_enterprise(dust_kind="wood"),
                           headers=world.headers("office"))
    problem = _problems(response)[0]
    assert problem["type"] == "value_error"
    _chinese_only(problem["message"])


def test_an_unknown_route_and_a_wrong_method_answer_in_chinese(client, world):
    missing = client.get(f"{API}/no-such-thing", headers=world.headers("office"))
    assert missing.status_code == 404 and missing.json()["error"]["message"].startswith("未找到")
    wrong = client.delete(f"{API}/enterprises", headers=world.headers("office"))
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    assert CJK.search(wrong.json()["error"]["message"])


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_template_reads_without_its_context(kind):
    """A template whose context is missing still gives a Chinese sentence, never a KeyError."""
    _chinese_only(message_for({"type": kind, "msg": "Input should be something", "ctx": {}}))


def test_an_unknown_error_type_falls_back_to_chinese():
    _chinese_only(message_for({"type": "something_new", "msg": "Input should be something"}))
