"""The probe's report, without servers: one line per figure, statuses counted, a failed measurement shown as such."""

from __future__ import annotations

import pytest

from bench import probe

FOUND = {
    "lost_updates": {"statuses": {"412": 1441, "200": 159}, "version_before": 1, "version_after": 160,
                     "version_ok": True, "audit_note_entries": 159, "audit_ok": True, "trail_added": 159,
                     "verify": "intact: 403 entries"},
    "kill_9": {"error": "AssertionError: registry audit verify exited 1\nTAMPERED"},
}


@pytest.mark.parametrize("line", [
    "== sqlite",
    "  lost updates  200×159 412×1441",
    "                version_before 1, version_after 160, version_ok True, audit_note_entries 159, audit_ok True, "
    "trail_added 159",
    "                verify intact: 403 entries",
    "  kill -9       error: AssertionError: registry audit verify exited 1",
])
def test_the_table_shows_each_figure_on_its_line(line: str) -> None:
    assert line in probe.table({"sqlite": FOUND}).splitlines()


def test_a_measurement_not_run_has_no_lines() -> None:
    assert not any(line.lstrip().startswith(("backup", "outage")) for line in probe.table({"sqlite": FOUND})
                   .splitlines())


def test_a_failed_measurement_is_kept_with_its_message() -> None:
    def broken() -> dict:
        raise AssertionError("registry init-db exited 1")

    assert probe.guarded(broken) == {"error": "AssertionError: registry init-db exited 1"}
