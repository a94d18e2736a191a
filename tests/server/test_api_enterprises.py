"""The enterprise registry over HTTP: who may read, list, register and change which enterprise."""

import pytest

from tests.factories import credit_code

API = "/api/v1"


def new_enterprise(**overrides):
    body = {"name": "新登记企业有限公司", "credit_code": credit_code(), "street": "新桥街道", "risk_class": "C",
            "industry": "machinery", "dust_involved": True, "dust_kind": "wood"}
    body.update(overrides)
    return body


def listed(client, world, who="office", **params):
    response = client.get(f"{API}/enterprises", params=params, headers=world.headers(who))
    assert response.status_code == 200, response.text
    return response.json()


def names(page):
    return {item["name"] for item in page["items"]}


# --- reading -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["inspector", "fire_inspector", "office", "admin"])
def test_staff_can_read_every_enterprise(client, world, who):
    for enterprise in (world.enterprise_a, world.enterprise_b, world.landlord):
        response = client.get(f"{API}/enterprises/{enterprise.id}", headers=world.headers(who))
        assert response.status_code == 200
        assert response.json()["credit_code"] == enterprise.credit_code


def test_enterprise_user_reads_its_own_enterprise(client, world):
    response = client.get(f"{API}/enterprises/{world.enterprise_a.id}", headers=world.headers("enterprise_a"))
    assert response.status_code == 200
    assert response.json()["name"] == "甲铝业有限公司"


def test_enterprise_user_gets_404_for_another_enterprise(client, world):
    other = client.get(f"{API}/enterprises/{world.enterprise_b.id}", headers=world.headers("enterprise_a"))
    missing = client.get(f"{API}/enterprises/999999", headers=world.headers("enterprise_a"))
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()  # nothing tells "not yours" from "does not exist"
    assert other.json()["error"]["code"] == "not_found"


def test_enterprise_user_list_shows_only_its_own_enterprise(client, world):
    page = listed(client, world, "enterprise_b")
    assert page["total"] == 1
    assert [item["id"] for item in page["items"]] == [world.enterprise_b.id]


@pytest.mark.parametrize("path", ["/enterprises", "/enterprises/1", "/plant-sites", "/plant-sites/1",
                                  "/enterprises/1/plant-sites", "/me"])
def test_every_resource_needs_a_token(client, world, path):
    response = client.get(f"{API}{path}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


# --- listing -------------------------------------------------------------------------------------------

def test_list_without_filters_counts_every_enterprise(client, world):
    page = listed(client, world)
    assert page["total"] == 6
    assert len(page["items"]) == 6


@pytest.mark.parametrize(("params", "expected"), [
    ({"street": "河海街道"}, {"乙餐饮店"}),
    ({"risk_class": "D"}, {"甲铝业有限公司"}),
    ({"dust": "true"}, {"甲铝业有限公司"}),
    ({"gas": "true"}, {"乙餐饮店"}),
    ({"landlord": "true"}, {"丙园区管理公司"}),
    ({"tenant": "true"}, {"承租企业0", "承租企业1", "承租企业2"}),
    ({"q": "餐饮"}, {"乙餐饮店"}),
    ({"street": "三井街道", "risk_class": "D", "dust": "true"}, {"甲铝业有限公司"}),
])
def test_list_filters_narrow_the_result(client, world, params, expected):
    page = listed(client, world, **params)
    assert names(page) == expected
    assert page["total"] == len(expected)


def test_negative_flag_filters_exclude_the_flagged(client, world):
    assert names(listed(client, world, dust="false")) == names(listed(client, world)) - {"甲铝业有限公司"}
    not_tenants = listed(client, world, tenant="false")
    assert not any(name.startswith("承租企业") for name in names(not_tenants))
    assert not_tenants["total"] == 3


def test_green_filter_lists_only_green_listed(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_b.id}", json={"green_listed": True},
                            headers=world.headers("office"))
    assert response.status_code == 200
    assert names(listed(client, world, green="true")) == {"乙餐饮店"}
    assert "乙餐饮店" not in names(listed(client, world, green="false"))


def test_search_matches_part_of_a_credit_code(client, world):
    page = listed(client, world, q=world.enterprise_b.credit_code[-8:])
    assert names(page) == {"乙餐饮店"}


def test_pagination_pages_through_in_a_stable_order_with_the_full_total(client, world):
    first = listed(client, world, limit=4, offset=0)
    second = listed(client, world, limit=4, offset=4)
    assert first["total"] == second["total"] == 6
    assert (len(first["items"]), len(second["items"])) == (4, 2)
    assert (first["limit"], first["offset"], second["offset"]) == (4, 0, 4)
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert len(set(ids)) == 6


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"risk_class": "E"}])
def test_out_of_range_list_parameters_are_422(client, world, params):
    response = client.get(f"{API}/enterprises", params=params, headers=world.headers("office"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


# --- registering ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["office", "admin"])
def test_office_and_admin_register_an_enterprise(client, world, who):
    body = new_enterprise()
    response = client.post(f"{API}/enterprises", json=body, headers=world.headers(who))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["credit_code"] == body["credit_code"] and created["risk_class"] == "C"
    again = client.get(f"{API}/enterprises/{created['id']}", headers=world.headers("inspector"))
    assert again.json()["name"] == "新登记企业有限公司"


@pytest.mark.parametrize("who", ["inspector", "enterprise_a"])
def test_inspector_and_enterprise_user_cannot_register_enterprises(client, world, who):
    response = client.post(f"{API}/enterprises", json=new_enterprise(), headers=world.headers(who))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert listed(client, world)["total"] == 6


def test_credit_code_is_normalised_from_full_width_and_lower_case(client, world):
    code = credit_code(424242)
    typed = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())  # full-width, lower case
    response = client.post(f"{API}/enterprises", json=new_enterprise(credit_code=f" {typed} "),
                           headers=world.headers("office"))
    assert response.status_code == 201, response.text
    assert response.json()["credit_code"] == code


def test_wrong_check_character_is_422_naming_the_check(client, world):
    code = credit_code(77)
    wrong = code[:17] + ("1" if code[17] != "1" else "2")
    response = client.post(f"{API}/enterprises", json=new_enterprise(credit_code=wrong),
                           headers=world.headers("office"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_credit_code"
    assert f"check character should be {code[17]}" in error["message"]


@pytest.mark.parametrize(("raw", "says"), [
    ("91320411MA1234", "length must be 18"),
    ("91320411000000O01X", "characters not allowed: O"),
])
def test_malformed_credit_code_is_422_naming_the_check(client, world, raw, says):
    response = client.post(f"{API}/enterprises", json=new_enterprise(credit_code=raw),
                           headers=world.headers("office"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_credit_code"
    assert says in response.json()["error"]["message"]


def test_duplicate_credit_code_is_409(client, world):
    response = client.post(f"{API}/enterprises", json=new_enterprise(credit_code=world.enterprise_a.credit_code),
                           headers=world.headers("office"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_credit_code"


def test_duplicate_credit_code_in_lower_case_is_still_409(client, world):
    response = client.post(f"{API}/enterprises",
                           json=new_enterprise(credit_code=world.enterprise_a.credit_code.lower()),
                           headers=world.headers("office"))
    assert response.status_code == 409


@pytest.mark.parametrize("extra", [{"id": 12345}, {"created_at": "2020-01-01T00:00:00Z"}, {"owner": "me"}])
def test_create_refuses_fields_the_client_does_not_own(client, world, extra):
    response = client.post(f"{API}/enterprises", json=new_enterprise(**extra), headers=world.headers("office"))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["type"] == "extra_forbidden"
    assert listed(client, world)["total"] == 6


def test_inconsistent_profile_is_422(client, world):
    response = client.post(f"{API}/enterprises", json=new_enterprise(dust_involved=False, dust_kind="wood"),
                           headers=world.headers("office"))
    assert response.status_code == 422


# --- changing ------------------------------------------------------------------------------------------

def test_office_updates_only_the_fields_sent(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"risk_class": "C"},
                            headers=world.headers("office"))
    assert response.status_code == 200
    body = response.json()
    assert body["risk_class"] == "C" and body["name"] == "甲铝业有限公司" and body["dust_involved"] is True


def test_update_to_another_enterprises_credit_code_is_409(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}",
                            json={"credit_code": world.enterprise_b.credit_code}, headers=world.headers("admin"))
    assert response.status_code == 409
    assert client.get(f"{API}/enterprises/{world.enterprise_a.id}", headers=world.headers("admin")
                      ).json()["credit_code"] == world.enterprise_a.credit_code


def test_update_with_invalid_credit_code_is_422(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"credit_code": "123"},
                            headers=world.headers("admin"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_credit_code"


def test_update_that_makes_the_profile_inconsistent_is_422(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"dust_involved": False},
                            headers=world.headers("office"))  # it still has dust_kind
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "inconsistent_profile"
    again = client.get(f"{API}/enterprises/{world.enterprise_a.id}", headers=world.headers("office"))
    assert again.json()["dust_involved"] is True


@pytest.mark.parametrize("body", [{"id": 99}, {"updated_at": "2020-01-01T00:00:00Z"}, {"colour": "red"}])
def test_update_refuses_fields_the_client_does_not_own(client, world, body):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json=body,
                            headers=world.headers("office"))
    assert response.status_code == 422


@pytest.mark.parametrize("who", ["inspector", "enterprise_a"])
def test_full_update_is_403_for_inspectors_and_the_enterprise_itself(client, world, who):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"risk_class": "A"},
                            headers=world.headers(who))
    assert response.status_code == 403
    assert client.get(f"{API}/enterprises/{world.enterprise_a.id}", headers=world.headers("office")
                      ).json()["risk_class"] == "D"


def test_enterprise_user_full_update_of_another_enterprise_is_404(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_b.id}", json={"risk_class": "A"},
                            headers=world.headers("enterprise_a"))
    assert response.status_code == 404


def test_enterprise_user_updates_its_own_contact_details(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}/contact",
                            json={"contact_name": "钱芳", "contact_phone": "13800000000"},
                            headers=world.headers("enterprise_a"))
    assert response.status_code == 200
    assert (response.json()["contact_name"], response.json()["contact_phone"]) == ("钱芳", "13800000000")


def test_enterprise_user_cannot_change_anything_else_through_contact(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}/contact",
                            json={"contact_name": "钱芳", "risk_class": "A"}, headers=world.headers("enterprise_a"))
    assert response.status_code == 422
    current = client.get(f"{API}/enterprises/{world.enterprise_a.id}", headers=world.headers("enterprise_a")).json()
    assert current["risk_class"] == "D" and current["contact_name"] != "钱芳"


def test_enterprise_user_gets_404_changing_another_enterprises_contact(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_b.id}/contact", json={"contact_name": "x"},
                            headers=world.headers("enterprise_a"))
    assert response.status_code == 404
    assert client.get(f"{API}/enterprises/{world.enterprise_b.id}", headers=world.headers("office")
                      ).json()["contact_name"] != "x"


def test_inspector_cannot_change_contact_details(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}/contact", json={"contact_name": "x"},
                            headers=world.headers("inspector"))
    assert response.status_code == 403


def test_update_of_missing_enterprise_is_404(client, world):
    response = client.patch(f"{API}/enterprises/999999", json={"risk_class": "A"}, headers=world.headers("office"))
    assert response.status_code == 404


def test_enterprise_user_me_names_its_one_enterprise(client, world):
    me = client.get(f"{API}/me", headers=world.headers("tenant_user")).json()
    assert (me["role"], me["enterprise_id"], me["department"]) == ("enterprise", world.tenants[0].id, None)
