"""The Blueprint every API module uses: its parser honours each schema's own ``unknown`` setting."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import flask_smorest
from marshmallow import Schema, ValidationError
from webargs.core import missing
from webargs.flaskparser import FlaskParser

# The security requirement every operation that needs a token documents (scheme defined in registry.api).
BEARER = [{"bearerAuth": []}]


class SchemaRulesParser(FlaskParser):
    """webargs would otherwise EXCLUDE unknown query parameters whatever the schema says, and read a missing JSON
    body as ``{}`` although the OpenAPI document says every body is required."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {}

    def _process_location_data(self, location_data: Any, schema: Any, req: Any, location: str, *args: Any) -> Any:
        if location == "json" and location_data is missing:
            raise ValidationError(["a JSON body is required (an empty object {} at least)"])
        return super()._process_location_data(location_data, schema, req, location, *args)

    def _get_schema(self, argmap: Any, req: Any) -> Schema:
        """A schema class is made into an instance once, not on every request: making one deep-copies its fields,
        and a schema keeps nothing between loads."""
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            return _instance(argmap)
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        """JSON too deeply nested, or with a number too long to convert, is invalid JSON, not a server error."""
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs itself tells an empty body from a malformed one
        except (RecursionError, ValueError) as exc:
            self._handle_invalid_json_error(exc, req)


@cache
def _instance(schema: type[Schema]) -> Schema:
    return schema()


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SchemaRulesParser(unknown=None)

    def versioned_write(self, what: str, stale: str, *, required: bool = True, needed_when: str | None = None):
        """Document a write checked against If-Match: the header with its rules, and the 412 and 428 answers.

        ``needed_when`` names when a header that is not always required is (the answer is 428 then)."""
        if needed_when:
            rule = f"required {needed_when}: without it 428 (if_match.missing)"
        else:
            rule = "required: without it 428 (if_match.missing)" if required else "optional"

        def decorate(view):
            header = {"in": "header", "name": "If-Match", "required": required and not needed_when,
                      "schema": {"type": "string"},
                      "description": f"the ETag from your last read of {what}; {rule}; a stale one 412 ({stale})"}
            view = self.alt_response(412, response="PRECONDITION_FAILED")(view)
            if required or needed_when:
                view = self.alt_response(428, response="PRECONDITION_REQUIRED")(view)
            return self.doc(security=BEARER, parameters=[header])(view)

        return decorate


def etag_header(what: str) -> dict[str, Any]:
    """The ETag header of an answer about one versioned row, documented."""
    return {"ETag": {"description": f"{what}'s version, to send back in If-Match", "schema": {"type": "string"}}}
