"""The operations probe of issue 20, re-measured against the real thing: lost updates, kill -9, backup under load,
and a PostgreSQL outage.

    .venv/bin/python -m bench.probe [--databases sqlite,postgresql] [--no-outage]

Each database gets a fresh database made with the real CLI (init-db, seed, user create, token create; PostgreSQL: a
scratch database on the shared server, dropped after) served by gunicorn as `make run` serves it (gunicorn_conf.py,
2 workers). The outage runs on a private PostgreSQL server (tests/private_postgres.py), never the shared one.
Prints a table; writes bench/results/probe-<UTC stamp>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.probe_measures import backup, kill_nine, lost_updates, outage
from bench.probe_setup import ROOT, Gunicorn, Scratch, environment, free_port, prepared

RESULTS = ROOT / "bench" / "results"


def guarded(measure: Callable[[], dict]) -> dict:
    """A measurement's figures, or the error that stopped it (the probe goes on with the next)."""
    try:
        return measure()
    except BaseException as error:  # pytest.fail from the shared helpers is a BaseException
        if isinstance(error, KeyboardInterrupt):
            raise
        return {"error": "".join(traceback.format_exception_only(error)).strip()[:3000]}


def probe(backend: str, folder: Path, with_outage: bool) -> dict:
    """Every measurement on one backend, on one fresh database and one gunicorn."""
    scratch = Scratch(backend, folder, time.strftime("%Y%m%d%H%M%S"))
    server = None
    try:
        env = environment(scratch.empty())
        headers = prepared(env)
        server = Gunicorn(env, free_port(), folder / f"gunicorn-{backend}.log")
        server.start()
        found = {"lost_updates": guarded(lambda: lost_updates(server, headers)),
                 "kill_9": guarded(lambda: kill_nine(server, headers)),
                 "backup": guarded(lambda: backup(server, headers, scratch, folder))}
        if backend == "postgresql" and with_outage:
            found["outage"] = guarded(lambda: outage(folder))
        return found
    finally:
        if server is not None:
            server.stop()
        scratch.drop_all()


def cell(figures: dict, *keys: str) -> str:
    return ", ".join(f"{key} {figures[key]}" for key in keys if key in figures)


def statuses(figures: dict, key: str = "statuses") -> str:
    return " ".join(f"{code}×{n}" for code, n in sorted(figures.get(key, {}).items())) or "-"


ROWS: list[tuple[str, str, Callable[[dict], str]]] = [
    ("lost updates", "lost_updates", lambda f: statuses(f)),
    ("", "lost_updates", lambda f: cell(f, "version_before", "version_after", "version_ok", "audit_note_entries",
                                        "audit_ok", "trail_added")),
    ("", "lost_updates", lambda f: cell(f, "verify")),
    ("kill -9", "kill_9", lambda f: statuses(f)),
    ("", "kill_9", lambda f: cell(f, "acknowledged", "missing", "versions_short", "worker_kills", "master_kills")),
    ("", "kill_9", lambda f: cell(f, "port_free_s", "restart_s")),
    ("", "kill_9", lambda f: cell(f, "verify")),
    ("backup", "backup", lambda f: cell(f, "writes_during", "backup_entries", "restored_entries")),
    ("", "backup", lambda f: cell(f, "verify")),
    ("outage", "outage", lambda f: statuses(f, "statuses_during") + " while down; " + statuses(f)),
    ("", "outage", lambda f: cell(f, "outage_s", "ready_after_s", "write_after_s", "acknowledged", "missing")),
    ("", "outage", lambda f: cell(f, "verify")),
]


def table(results: dict[str, dict]) -> str:
    """One line per figure and database: what the probe prints."""
    lines = []
    for backend, found in results.items():
        lines.append(f"== {backend}")
        for label, measure, show in ROWS:
            figures = found.get(measure)
            if figures is None or ("error" in figures and not label):
                continue  # not measured, or failed (said once, on its first line)
            shown = "error: " + figures["error"].splitlines()[0][:100] if "error" in figures else show(figures)
            lines.append(f"  {label:<13} {shown}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-outage", action="store_true", help="skip the PostgreSQL outage")
    args = parser.parse_args(argv)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="registry-probe-") as folder:
        results = {backend: probe(backend, Path(folder), not args.no_outage)
                   for backend in args.databases.split(",")}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"probe-{stamp}.json"
    path.write_text(json.dumps({"stamp": stamp, "commit": commit, "results": results}, ensure_ascii=False,
                               indent=2) + "\n")
    print(table(results))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
