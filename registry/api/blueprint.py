"""The Blueprint every API module uses: its parser honours each schema's own ``unknown`` setting."""

from __future__ import annotations

import json

import flask_smorest
from webargs.flaskparser import FlaskParser

# The security requirement every operation that needs a token documents (scheme defined in registry.api).
BEARER = [{"bearerAuth": []}]


class SchemaRulesParser(FlaskParser):
    """webargs would otherwise EXCLUDE unknown query parameters whatever the schema says."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {}

    def _raw_load_json(self, req):
        """JSON too deeply nested, or with a number too long to convert, is invalid JSON, not a server error."""
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs itself tells an empty body from a malformed one
        except (RecursionError, ValueError) as exc:
            self._handle_invalid_json_error(exc, req)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SchemaRulesParser(unknown=None)
