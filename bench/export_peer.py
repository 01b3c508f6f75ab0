"""Export the registry's powers to a SQLite file for the peer (Datasette), with sqlite-utils and FTS.

Runs in the peer venv (bench/.venv-peer), not the registry's:
    bench/.venv-peer/bin/python bench/export_peer.py REGISTRY.sqlite3 PEER.db

Table `powers` (id, seq, name, sub_items joined by newlines, note, type code, department name), the same ids
as the registry, an index on type (the registry indexes it too), and FTS5 over name, sub_items and note with
sqlite-utils' defaults (the unicode61 tokenizer: a run of Chinese characters is one token, so a Chinese
substring is not found; that is part of what the benchmark shows).
"""

from __future__ import annotations

import sqlite3
import sys

import sqlite_utils

BATCH = 5000
QUERY = """
SELECT p.id, p.seq, p.name,
       (SELECT group_concat(name, char(10)) FROM
            (SELECT s.name FROM power_sub_item s WHERE s.power_id = p.id ORDER BY s.position)) AS sub_items,
       p.note, p.type, d.name AS department
FROM power p JOIN department d ON d.id = p.department_id
WHERE NOT p.retired
ORDER BY p.id
"""
COLUMNS = ("id", "seq", "name", "sub_items", "note", "type", "department")


def main(source: str, target: str) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    db = sqlite_utils.Database(target)
    powers = db["powers"]
    powers.create({"id": int, "seq": int, "name": str, "sub_items": str, "note": str, "type": str,
                   "department": str}, pk="id")
    cur = src.execute(QUERY)
    n = 0
    while rows := cur.fetchmany(BATCH):
        powers.insert_all((dict(zip(COLUMNS, r, strict=True)) for r in rows), batch_size=BATCH)
        n += len(rows)
    src.close()
    powers.create_index(["type"])
    powers.enable_fts(["name", "sub_items", "note"])  # FTS5, default tokenizer
    db.vacuum()
    print(f"{n} powers, FTS5 on name/sub_items/note")


if __name__ == "__main__":
    main(*sys.argv[1:3])
