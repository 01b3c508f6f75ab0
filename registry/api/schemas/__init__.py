"""marshmallow schemas at the API's edge: separate input, output and query schemas per resource."""
