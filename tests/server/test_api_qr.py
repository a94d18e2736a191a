"""QR plaques, scan-to-enter (扫码入企) and the scan log."""

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from inspection import fonts
from inspection.clock import local_date
from inspection.errors import NotFound
from inspection.field import qr
from inspection.identity import tokens
from inspection.types import utcnow
from server.settings import get_settings

API = "/api/v1"
SVG_NS = "{http://www.w3.org/2000/svg}"


def secret() -> str:
    return get_settings().secret_key


def enterprise_token(world, enterprise=None) -> str:
    return qr.plaque_token(secret(), "e", (enterprise or world.enterprise_a).id)


def scan(client, world, token, who="inspector", **params):
    return client.get(f"{API}/qr/{token}", params=params, headers=world.headers(who))


def dark(pixel: int) -> bool:
    return pixel < 128


# --- plaques ---------------------------------------------------------------------------------------------------

@pytest.mark.skipif(fonts.find_cjk_font() is None,
                    reason="no CJK font (apt-get install fonts-noto-cjk): a Chinese name has no ASCII caption to print")
def test_png_plaque_is_the_signed_url_with_the_name_underneath(client, world):
    response = client.get(f"{API}/enterprises/{world.enterprise_a.id}/qrcode.png", headers=world.headers("office"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("L")
    matrix = qr.qr_matrix(qr.plaque_url(get_settings().public_base_url, enterprise_token(world)))
    side = len(matrix) * qr.BOX_PX
    assert image.width == side and image.height > side  # a caption area under the code
    half = qr.BOX_PX // 2
    assert all(dark(image.getpixel((x * qr.BOX_PX + half, y * qr.BOX_PX + half))) == module
               for y, row in enumerate(matrix) for x, module in enumerate(row))
    caption = image.crop((0, side, image.width, image.height))
    assert caption.getextrema()[0] < 100  # something is written there


def test_svg_plaque_has_the_code_and_the_name_as_text(client, world):
    response = client.get(f"{API}/enterprises/{world.enterprise_a.id}/qrcode.svg", headers=world.headers("inspector"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.text)
    assert root.find(f"{SVG_NS}path").get("d").startswith("M")
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert "".join(texts) == world.enterprise_a.name
    assert "Noto Sans CJK SC" in root.find(f"{SVG_NS}g").get("font-family")


def test_long_names_wrap_to_two_lines_and_are_escaped():
    name = "常州市新北区<某某>精密机械制造&表面处理有限公司第二分公司（三号厂房）东区仓库"

    root = ET.fromstring(qr.qr_svg("http://example.test/q/x", name))

    lines = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert len(lines) == 2 and lines[1].endswith("…")
    assert lines[0].startswith("常州市新北区<某某>")


def test_without_a_cjk_font_the_caption_is_ascii(monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)

    with_latin = Image.open(io.BytesIO(qr.qr_png("http://example.test/q/x", "ACME 化工 Ltd")))
    chinese_only = Image.open(io.BytesIO(qr.qr_png("http://example.test/q/x", "甲铝业有限公司")))

    assert with_latin.height > with_latin.width
    assert chinese_only.height == chinese_only.width  # nothing drawable: no caption rather than boxes


def test_site_plaques_and_who_may_fetch_plaques(client, world):
    a, b, site = world.enterprise_a.id, world.enterprise_b.id, world.site.id

    assert client.get(f"{API}/enterprises/{a}/qrcode.png", headers=world.headers("enterprise_a")).status_code == 200
    hidden = client.get(f"{API}/enterprises/{a}/qrcode.png", headers=world.headers("enterprise_b"))
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "not_found")
    assert client.get(f"{API}/enterprises/{b}/qrcode.svg", headers=world.headers("enterprise_a")).status_code == 404
    assert client.get(f"{API}/plant-sites/{site}/qrcode.png", headers=world.headers("office")).status_code == 200
    assert client.get(f"{API}/plant-sites/{site}/qrcode.svg",
                      headers=world.headers("tenant_user")).status_code == 200
    assert client.get(f"{API}/plant-sites/{site}/qrcode.png",
                      headers=world.headers("enterprise_a")).status_code == 404
    assert client.get(f"{API}/enterprises/{a}/qrcode.png").status_code == 401


# --- tokens ----------------------------------------------------------------------------------------------------

def test_plaque_tokens_round_trip_and_never_expire():
    token = qr.plaque_token("s" * 40, qr.PlaqueKind.SITE, 42)

    far_future = utcnow().replace(year=2099)
    assert qr.read_plaque("s" * 40, token, now=far_future) == (qr.PlaqueKind.SITE, 42)
    assert qr.plaque_url("https://xuncha.example.cn/", token) == f"https://xuncha.example.cn/q/{token}"


def test_a_plaque_token_is_refused_as_another_purpose_and_another_purpose_as_a_plaque():
    token = qr.plaque_token("s" * 40, "e", 1)
    order_link = tokens.sign("s" * 40, "order", {"k": "e", "i": 1})

    with pytest.raises(NotFound):
        tokens.verify("s" * 40, "order", token, now=utcnow())
    with pytest.raises(NotFound) as caught:
        qr.read_plaque("s" * 40, order_link, now=utcnow())
    assert caught.value.code == "invalid_token"


# --- scanning --------------------------------------------------------------------------------------------------

def test_scan_returns_the_enterprise_and_is_logged_for_the_enterprise_to_see(client, world):
    response = scan(client, world, enterprise_token(world), lat=31.8301, lng=119.9701)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "enterprise" and body["site"] is None
    assert body["enterprise"]["id"] == world.enterprise_a.id
    assert body["open_visit"] is None  # the phone offers to start an ad hoc visit
    log = client.get(f"{API}/enterprises/{world.enterprise_a.id}/scans", headers=world.headers("enterprise_a"))
    assert log.status_code == 200
    [entry] = log.json()["items"]
    assert entry["id"] == body["scan"]["id"]
    assert entry["inspector_name"] == world.users["inspector"].full_name
    assert (entry["department_code"], entry["department_name"]) == (world.safety.code, world.safety.name)
    assert (entry["latitude"], entry["longitude"]) == (31.8301, 119.9701)
    assert client.get(f"{API}/enterprises/{world.enterprise_a.id}/scans",
                      headers=world.headers("office")).json()["total"] == 1
    assert client.get(f"{API}/enterprises/{world.enterprise_a.id}/scans",
                      headers=world.headers("enterprise_b")).status_code == 404
    assert client.get(f"{API}/enterprises/{world.enterprise_b.id}/scans",
                      headers=world.headers("office")).json()["items"] == []


def test_scan_finds_the_inspectors_open_visit_there(client, world):
    body = {"enterprise_id": world.enterprise_a.id, "planned_date": str(local_date(utcnow()))}
    visit = client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()

    mine = scan(client, world, enterprise_token(world)).json()
    someone_else = scan(client, world, enterprise_token(world), who="fire_inspector").json()
    office = scan(client, world, enterprise_token(world), who="office").json()

    assert mine["open_visit"]["id"] == visit["id"]
    assert someone_else["open_visit"] is None and office["open_visit"] is None


def test_site_scan_names_landlord_and_tenants_and_shows_in_a_tenants_log(client, world):
    token = qr.plaque_token(secret(), "s", world.site.id)

    response = scan(client, world, token)

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "site" and body["enterprise"] is None
    assert body["site"]["landlord"]["id"] == world.landlord.id
    assert {t["id"] for t in body["site"]["tenants"]} == {t.id for t in world.tenants}
    tenant_log = client.get(f"{API}/enterprises/{world.tenants[0].id}/scans", headers=world.headers("tenant_user"))
    assert [e["plant_site_id"] for e in tenant_log.json()["items"]] == [world.site.id]
    assert tenant_log.json()["items"][0]["plant_site_name"] == world.site.name


def flip(token: str, index: int) -> str:
    char = token[index]
    return token[:index] + ("A" if char != "A" else "B") + token[index + 1:]


@pytest.mark.parametrize("forge", [
    lambda world: flip(enterprise_token(world), -3),  # the MAC
    lambda world: flip(enterprise_token(world), 2),  # the payload
    lambda world: qr.plaque_token("another-secret-that-is-long-enough-0000", "e", world.enterprise_a.id),
    lambda world: tokens.sign(secret(), "order", {"k": "e", "i": world.enterprise_a.id}),
    lambda world: "not-a-token",
    lambda world: enterprise_token(world).split(".")[0],
])
def test_forged_tokens_are_404_and_not_logged(client, world, forge):
    response = scan(client, world, forge(world))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "invalid_token"
    assert client.get(f"{API}/enterprises/{world.enterprise_a.id}/scans",
                      headers=world.headers("office")).json()["total"] == 0


def test_enterprise_users_do_not_scan_and_positions_are_checked(client, world):
    assert scan(client, world, enterprise_token(world), who="enterprise_a").status_code == 403
    assert scan(client, world, enterprise_token(world), lat=123, lng=0).status_code == 422
    assert client.get(f"{API}/qr/{enterprise_token(world)}").status_code == 401
