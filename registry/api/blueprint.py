"""The Blueprint every API module uses: its parser honours each schema's own ``unknown`` setting."""

from __future__ import annotations

import flask_smorest
from webargs.flaskparser import FlaskParser


class SchemaRulesParser(FlaskParser):
    """webargs would otherwise EXCLUDE unknown query parameters whatever the schema says."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {}


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SchemaRulesParser(unknown=None)
