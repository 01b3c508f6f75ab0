"""The peer: Datasette serving the exported powers, as an ASGI app for gunicorn's uvicorn workers.

    BENCH_PEER_DB=/path/peer.db gunicorn --workers 2 -k uvicorn_worker.UvicornWorker bench.peer_app:app

Runs in bench/.venv-peer. The file is opened immutable (`datasette -i`), the mode Datasette recommends for
published read-only data: no locking, and the unfiltered row count is taken once at start.
"""

import os

from datasette.app import Datasette

app = Datasette(immutables=[os.environ["BENCH_PEER_DB"]]).app()
