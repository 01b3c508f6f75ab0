"""Concurrent handover writes through the real app and database: one winner, no 5xx, no forked history.

Threads share one app (one engine and pool), each with a test client of its own, as in test_concurrency.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from tests.conftest import bearer
from tests.handover_steps import EVIDENCE, WATER_POWER
from tests.test_concurrency import in_parallel

THREADS = 8
URL = f"/api/v1/powers/{WATER_POWER}/handover"


def counts(app: Flask) -> tuple[int, int]:
    with app.extensions["registry.engine"].connect() as conn:
        entries = conn.scalar(text("SELECT count(*) FROM audit_entry WHERE entity_type = 'handover' "
                                   f"AND power_id = {WATER_POWER}"))
        events = conn.scalar(text(f"SELECT count(*) FROM handover_event WHERE power_id = {WATER_POWER}"))
    return entries, events


@pytest.mark.parametrize("who", ["zone", "water"])
def test_the_same_transition_raced_has_one_winner(app: Flask, tokens: dict[str, str], who: str) -> None:
    before = counts(app)

    def suspend(i: int) -> int:
        resp = app.test_client().post(f"{URL}/transitions", headers=bearer(tokens[who]),
                                      json={"to": "suspended", "note": f"暂缓 {i}"})
        return resp.status_code

    statuses = sorted(in_parallel(THREADS, suspend))
    # The losers see a suspended handover (409: not a step from there) or lose the version race (412).
    assert statuses[0] == 200 and statuses[1:] == [s for s in statuses[1:] if s in (409, 412)], statuses
    assert statuses.count(200) == 1
    assert counts(app) == (before[0] + 1, before[1] + 1)


def test_checklist_items_ticked_at_once_all_land_or_are_refused_cleanly(app: Flask, tokens: dict[str, str]) -> None:
    items = ["guidance", "supervision", "files", "system_access", "list_updated"]
    before = counts(app)

    def tick(i: int) -> int:
        resp = app.test_client().post(f"{URL}/checklist", headers=bearer(tokens["zone"]),
                                      json={"item": items[i], "done": True, "evidence": EVIDENCE})
        return resp.status_code

    statuses = in_parallel(len(items), tick)
    assert set(statuses) <= {200, 412}, statuses
    won = statuses.count(200)
    assert counts(app) == (before[0] + won, before[1] + won)
    record = app.test_client().get(URL, headers=bearer(tokens["zone"])).json
    done = {c["item"]["code"] for c in record["checklist"] if c["done"]}
    assert done == {item for item, status in zip(items, statuses, strict=True) if status == 200}
