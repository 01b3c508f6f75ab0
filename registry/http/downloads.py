"""Files to save rather than pages to read: a CSV or .xlsx body sent as an attachment."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response

from registry.exports.sheets import CSV_TYPE, XLSX_TYPE


def attachment(body: str | bytes | Iterable[bytes], filename: str) -> Response:
    """``body`` as a download named ``filename`` (.csv or .xlsx), with the type its extension says."""
    kind = XLSX_TYPE if filename.endswith(".xlsx") else CSV_TYPE
    return Response(body, content_type=kind, headers={"Content-Disposition": f"attachment; filename={filename}"})
