"""The ceiling: the least a Flask app under the same gunicorn can do, one endpoint returning constant JSON.

    gunicorn --workers 2 --bind 127.0.0.1:PORT bench.ceiling:app
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify({"status": "ok", "items": [], "total": 0})
