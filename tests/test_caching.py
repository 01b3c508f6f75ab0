"""Public reads are cached per worker and answer conditional GETs, keyed by the data version: after any
write, no client and no cache sees the old answer.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Databases, bearer, cli, dispose, make_app
from tests.handover_steps import WATER_POWER, step

READS = ["/api/v1/powers?q=取水", "/api/v1/powers?type=licensing", "/api/v1/powers/export.csv",
         "/api/v1/powers/export.json", "/api/v1/departments", "/api/v1/decisions", "/api/v1/handover-methods",
         f"/api/v1/powers/{WATER_POWER}/handler", "/api/v1/stats/handover", "/api/v1/stats/handover.csv",
         "/api/v1/events?after=100", "/api/v1/events.atom"]


def rename(client: FlaskClient, tokens: dict[str, str]) -> None:
    etag = client.get(f"/api/v1/powers/{WATER_POWER}").headers["ETag"]
    resp = client.patch(f"/api/v1/powers/{WATER_POWER}", json={"name": "取水许可(改)", "reason": "测试缓存"},
                        headers={**bearer(tokens["admin"]), "If-Match": etag})
    assert resp.status_code == 200


def new_office(client: FlaskClient, tokens: dict[str, str]) -> None:
    resp = client.post("/api/v1/departments", json={"name": "缓存测试办公室", "kind": "zone"},
                       headers=bearer(tokens["admin"]))
    assert resp.status_code == 201


def suspend(client: FlaskClient, tokens: dict[str, str]) -> None:
    step(client, tokens, WATER_POWER, "suspended")


WRITES: dict[str, Callable[[FlaskClient, dict[str, str]], None]] = {
    "power renamed": rename, "office added": new_office, "handover suspended": suspend}


@pytest.mark.parametrize("url", READS)
def test_current_etag_gets_304_and_the_cached_body_is_the_fresh_one(reader: FlaskClient, url: str) -> None:
    first = reader.get(url)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    again = reader.get(url)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    not_modified = reader.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert reader.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_each_url_has_its_own_entry(reader: FlaskClient) -> None:
    a, b = reader.get("/api/v1/powers?q=取水"), reader.get("/api/v1/powers?q=林地")
    assert a.headers["ETag"] != b.headers["ETag"] and a.json["total"] != b.json["total"]


@pytest.mark.parametrize("write", list(WRITES))
def test_no_stale_answer_after_a_write(client: FlaskClient, tokens: dict[str, str], write: str) -> None:
    before = {url: client.get(url) for url in READS}
    WRITES[write](client, tokens)
    for url, old in before.items():
        assert client.get(url, headers={"If-None-Match": old.headers["ETag"]}).status_code == 200, url
        assert client.get(url).headers["ETag"] != old.headers["ETag"], url
    if write == "power renamed":
        assert client.get("/api/v1/powers?q=取水").json["items"][0]["name"] == "取水许可(改)"
        assert "取水许可(改)" in client.get("/api/v1/powers/export.csv").get_data(as_text=True)


def test_synthetic_data_outside_the_trail_still_refreshes(app: Flask, client: FlaskClient) -> None:
    before = client.get("/api/v1/powers?q=许可")
    cli(app, "seed", "--synthetic", "50", "--random-seed", "3")
    after = client.get("/api/v1/powers?q=许可", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.json["total"] > before.json["total"]
    cli(app, "seed", "--remove-synthetic")
    assert client.get("/api/v1/powers?q=许可").json["total"] == before.json["total"]


def test_without_the_cache_conditional_get_still_works(databases: Databases) -> None:
    app = make_app(databases.seeded(), response_cache_entries=0)
    try:
        client = app.test_client()
        first = client.get("/api/v1/powers?q=取水")
        assert client.get("/api/v1/powers?q=取水").get_data() == first.get_data()
        assert client.get("/api/v1/powers?q=取水", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        assert "registry.response_cache" not in app.extensions
    finally:
        dispose(app)
