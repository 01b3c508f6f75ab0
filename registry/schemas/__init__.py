"""marshmallow schemas at the edge: input, output and query schemas per resource, shared by the API and the
pages; the public pages' own schemas (schemas.public) carry no staff fields."""
