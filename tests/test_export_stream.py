"""The annex exports are streamed (Core, a batch at a time) and byte for byte what the whole-table writers give.

``annex.to_csv`` and ``annex.rows`` over the ORM's ``all_powers`` are the reference (the CLI still uses them);
the API's streamed bodies must equal them on real and synthetic data, across chunk boundaries, with retired
powers and decision filters, on both databases.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import db
from registry.exports import annex
from registry.services import powers


def expected(app: Flask, decision: list[str] | None = None) -> tuple[bytes, bytes]:
    with app.app_context():
        loaded = powers.all_powers(db.session(write=False), decision)
        return annex.to_csv(loaded).encode(), json.dumps(list(annex.rows(loaded)), ensure_ascii=False).encode()


def test_streamed_exports_equal_the_whole_table_writers(grown: Flask, client: FlaskClient) -> None:
    want_csv, want_json = expected(grown)
    got_csv, got_json = client.get("/api/v1/powers/export.csv"), client.get("/api/v1/powers/export.json")
    assert got_csv.is_streamed and got_json.is_streamed
    assert got_csv.get_data() == want_csv
    assert got_json.get_data() == want_json
    assert got_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert got_csv.headers["Content-Disposition"] == "attachment; filename=annex.csv"
    assert got_json.headers["Content-Type"] == "application/json"
    rows = got_json.json
    assert len(rows) > annex.BATCH and "取水许可" not in {r["事项名称"] for r in rows}  # retired: left out
    assert len(want_csv.decode().splitlines()) == len(rows) + 1


@pytest.mark.parametrize("which", ["real", "synthetic", "both", "none"])
def test_decision_filters_stream_the_same_rows(grown: Flask, client: FlaskClient, which: str) -> None:
    numbers = {d["doc_number"] for d in client.get("/api/v1/decisions").json}
    real = "渝府发〔2021〕13号"
    (fake,) = numbers - {real}
    chosen = {"real": [real], "synthetic": [fake], "both": [real, fake], "none": ["99999"]}[which]
    want_csv, want_json = expected(grown, chosen)
    query = [("decision", d) for d in chosen]
    assert client.get("/api/v1/powers/export.csv", query_string=query).get_data() == want_csv
    assert client.get("/api/v1/powers/export.json", query_string=query).get_data() == want_json
    if which == "none":
        assert want_json == b"[]"


def test_an_unknown_decision_is_refused_before_streaming(reader: FlaskClient) -> None:
    for url in ("/api/v1/powers/export.csv", "/api/v1/powers/export.json"):
        resp = reader.get(url, query_string={"decision": "渝府发〔1999〕1号"})
        assert resp.status_code == 422 and "decision" in resp.json["errors"]


def test_rows_are_written_as_they_are_read(grown: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first chunk goes out after one batch of rows, not after the whole table."""
    monkeypatch.setattr(annex, "BATCH", 50)
    consumed = []

    def counted(rows):
        for row in rows:
            consumed.append(row)
            yield row

    with grown.app_context():
        engine = db.get_engine()
        for chunks in (annex.csv_chunks, annex.json_chunks):
            consumed.clear()
            stream = chunks(counted(annex.stream_rows(engine)))
            assert next(stream)
            assert len(consumed) == 50
            rest = list(stream)
            assert len(rest) > 10 and len(consumed) > 500


def test_the_stream_holds_a_connection_only_while_it_is_read(app: Flask) -> None:
    with app.app_context():
        engine = db.get_engine()
        idle = engine.pool.checkedout()
        stream = annex.stream_rows(engine)
        assert engine.pool.checkedout() == idle  # nothing is opened until the first row is asked for
        assert next(stream)[0] == 1
        assert engine.pool.checkedout() == idle + 1
        stream.close()  # the client went away
        assert engine.pool.checkedout() == idle
        assert sum(1 for _ in annex.stream_rows(engine)) == 104
        assert engine.pool.checkedout() == idle


def test_a_current_etag_is_304_without_reading_the_table(reader: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    first = reader.get("/api/v1/powers/export.csv")
    monkeypatch.setattr(annex, "stream_rows", lambda *a, **k: pytest.fail("read the table for a 304"))
    again = reader.get("/api/v1/powers/export.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
