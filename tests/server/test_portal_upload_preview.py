"""#18: the order link shows a photo it has just uploaded, before any evidence names it; not an old one, not
another user's."""

from datetime import timedelta

from inspection.models import Photo
from tests.server.test_api_photos import upload
from tests.server.test_api_portal import _jpeg, _upload, order  # noqa: F401 (the fixture)

API = "/api/v1"


def test_the_link_shows_its_fresh_upload_before_the_evidence(client, order):  # noqa: F811
    photo = _upload(client, order["token"], _jpeg((20, 120, 220)))
    assert photo.status_code == 201, photo.text
    thumb = client.get(f"{API}/portal/orders/{order['token']}/photos/{photo.json()['id']}")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    shown = client.get(f"{API}/portal/orders/{order['token']}/photos/{photo.json()['id']}",
                       params={"variant": "display"})
    assert shown.status_code == 200


def test_an_unattached_upload_older_than_a_day_is_not_shown(client, session, order):  # noqa: F811
    photo_id = _upload(client, order["token"], _jpeg((220, 120, 20))).json()["id"]
    session.rollback()  # a fresh read: the fixture's transaction predates the upload
    row = session.get(Photo, photo_id)
    row.created_at = row.created_at - timedelta(hours=25)
    session.add(row)
    session.commit()
    assert client.get(f"{API}/portal/orders/{order['token']}/photos/{photo_id}").status_code == 404


def test_the_link_does_not_show_another_users_unattached_upload(client, world, order):  # noqa: F811
    mine = upload(client, world, _jpeg((90, 90, 200)), who="enterprise_a")
    assert mine.status_code == 201, mine.text
    assert client.get(f"{API}/portal/orders/{order['token']}/photos/{mine.json()['id']}").status_code == 404
    # the enterprise's own login sees it at once
    own = client.get(f"{API}/photos/{mine.json()['id']}", params={"variant": "thumb"},
                     headers=world.headers("enterprise_a"))
    assert own.status_code == 200
