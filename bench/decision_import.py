"""Time `registry decision import` of a generated 1,000-row annex sheet: the preview (--dry-run) and the apply,
on SQLite and (when BENCH_PG_URL's server answers) PostgreSQL, each on a freshly seeded registry.

    .venv/bin/python -m bench.decision_import [--rows 1000]

The sheet devolves ROWS new items (names made up, spread over the seed's guiding departments); every figure is
the wall time of the whole command, including the interpreter's start, which is measured once and shown apart.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / ".venv" / "bin" / "registry"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DEPARTMENTS = ("市财政局", "市住房城乡建委", "市水利局", "市应急局", "市统计局", "市林业局")
HEADER = ["调整类型", "序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)", "备注"]
META = ["--number", "渝府发〔2099〕1号", "--title", "性能测试用决定（非正式文件）", "--date", "2099-01-01",
        "--body", "重庆经开区管委会"]


def sheet(rows: int) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(["性能测试用附件（非正式文件）"])
    ws.append(HEADER)
    for n in range(1, rows + 1):
        ws.append(["下放", n, f"测试事项{n:05d}", "", "行政许可", "市级", DEPARTMENTS[n % len(DEPARTMENTS)], ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(REGISTRY), *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(url: str, path: Path, instance: Path) -> dict[str, float]:
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_INSTANCE_PATH": str(instance)}
    run(env, "init-db")
    run(env, "seed")
    startup = run(env, "--help")
    preview = run(env, "decision", "import", str(path), "--dry-run", "--json", *META)
    apply = run(env, "decision", "import", str(path), "--reason", "性能测试", *META)
    again = run(env, "decision", "import", str(path), "--reason", "性能测试", *META)
    return {"startup": startup, "dry_run": preview, "apply": apply, "apply_again_noop": again}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000)
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "annex.xlsx"
        path.write_bytes(sheet(args.rows))
        results["sqlite"] = measure(f"sqlite:///{tmp}/bench.sqlite3", path, Path(tmp) / "instance")
        name = f"bench_decisions_{os.getpid()}"
        admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                              isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # no PostgreSQL here: SQLite's figures alone
            print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        else:
            try:
                url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
                results["postgresql"] = measure(url, path, Path(tmp) / "instance-pg")
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(json.dumps({"rows": args.rows, "seconds": {k: {m: round(v, 2) for m, v in r.items()}
                                                     for k, r in results.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
