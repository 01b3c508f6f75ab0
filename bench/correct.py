"""Every answer still correct at scale: for the bench's varied queries, the powers a search finds in a database are
exactly those the plain rule (registry.domain.searchtext.matches) finds in each power's own text.

    .venv/bin/python -m bench.correct URL [URL ...] [--queries 100]

The rule runs here over documents made afresh from every listed power's name, sub-items and note (not from the
search text the database holds); the database answers through the services the API uses: every id the search
finds (matching_ids), the total of its first page, and that page's first power, whose rank must be the best.
Prints each mismatch and a summary per database; exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench import inprocess, varied
from registry import db
from registry.domain import searchtext
from registry.services import powers


def check(url: str, queries: list[str]) -> int:
    """The mismatches between the database's answers and the plain rule, printed; their number."""
    app = inprocess.app_for(url)
    with app.app_context():
        session = db.session(write=False)
        started = time.monotonic()
        listed = powers.all_powers(session)
        docs = {p.id: searchtext.document(p.name, p.sub_items, p.note) for p in listed}
        print(f"{url}: {len(docs)} powers listed, their text folded in {time.monotonic() - started:.0f} s",
              flush=True)
        wrong, started = 0, time.monotonic()
        for text in queries:
            q = searchtext.query(text)
            expected = {i for i, doc in docs.items() if searchtext.matches(doc, q)}
            found = set(powers.matching_ids(session, powers.PowerFilter(q=text)))
            page = powers.list_powers(session, powers.PowerFilter(q=text, per_page=1))
            best = min((searchtext.rank(docs[i], q) for i in expected), default=None)
            first = searchtext.rank(docs[page.items[0].id], q) if page.items else None
            if found != expected or page.total != len(expected) or first != best:
                wrong += 1
                print(f"  MISMATCH {text!r}: rule {len(expected)}, found {len(found)} (missing"
                      f" {sorted(expected - found)[:5]}, extra {sorted(found - expected)[:5]}), total {page.total},"
                      f" first rank {first} against best {best}", flush=True)
        print(f"{url}: {len(queries)} queries, {wrong} mismatched ({time.monotonic() - started:.0f} s)", flush=True)
    app.extensions[db.ENGINE_KEY].dispose()
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--queries", type=int, default=100, help="the first N of bench/varied.py's queries")
    args = parser.parse_args()
    queries = varied.queries()[:args.queries]
    sys.exit(1 if sum(check(url, queries) for url in args.urls) else 0)


if __name__ == "__main__":
    main()
