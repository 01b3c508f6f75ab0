"""GET /api/v1/docs: the OpenAPI document rendered as a plain HTML page, with no outside assets."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from registry.http.access import public

bp = Blueprint("docs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/api/v1/docs")
@public
def api_docs():
    spec = current_app.extensions["registry.api"].spec.to_dict()
    operations = [
        {"method": method.upper(), "path": path, **op}
        for path, item in spec.get("paths", {}).items()
        for method, op in item.items() if method in METHODS
    ]
    return render_template("api_docs.html", spec=spec, operations=operations)
