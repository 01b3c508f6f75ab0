"""Drive the server-rendered pages as a browser without script would: sign in, read a form, post it back.

Forms are read with BeautifulSoup from the page itself (hidden version and CSRF token included), so a test
submits exactly what the page offers and fails when the page stops offering it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from tests.conftest import PASSWORD, STAFF

EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.I)
URL_ATTRIBUTES = ("src", "href", "action", "formaction", "srcset", "poster", "data")
SAFE_SCHEMES = ("tel:", "mailto:")


def soup(resp: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def text(resp: TestResponse) -> str:
    """The page's visible text, whitespace collapsed."""
    return " ".join(soup(resp).get_text(" ").split())


@dataclass
class Form:
    action: str
    method: str
    values: dict[str, list[str]] = field(default_factory=dict)

    def fill(self, **values: str | list[str] | None) -> Form:
        for name, value in values.items():
            name = name.replace("__", "-")
            self.values[name] = [] if value is None else [value] if isinstance(value, str) else list(value)
        return self

    def submit(self, client: FlaskClient, **values: str | list[str] | None) -> TestResponse:
        self.fill(**values)
        data = MultiDict([(k, v) for k, vs in self.values.items() for v in vs])
        if self.method == "get":
            return client.get(self.action, query_string=data)
        return client.post(self.action, data=data)


def read_form(tag: Tag) -> Form:
    values: dict[str, list[str]] = {}
    for control in tag.find_all(["input", "select", "textarea"]):
        name = control.get("name")
        if not name or control.has_attr("disabled"):
            continue
        if control.name == "select":
            chosen = [o.get("value", o.text) for o in control.find_all("option") if o.has_attr("selected")]
            if not chosen and not control.has_attr("multiple"):
                first = control.find("option")
                chosen = [first.get("value", first.text)] if first else []
            values.setdefault(name, []).extend(chosen)
        elif control.name == "textarea":
            # A browser drops the line break that follows <textarea>.
            values.setdefault(name, []).append(control.text.removeprefix("\r\n").removeprefix("\n"))
        elif control.get("type") in ("checkbox", "radio"):
            values.setdefault(name, [])
            if control.has_attr("checked"):
                values[name].append(control.get("value", "on"))
        elif control.get("type") not in ("submit", "button"):
            values.setdefault(name, []).append(control.get("value", ""))
    return Form(tag.get("action", ""), tag.get("method", "get").lower(), values)


def form(resp: TestResponse, action: str) -> Form:
    """The page's form that posts to an address ending with ``action`` (its query string ignored)."""
    page = soup(resp)
    for tag in page.find_all("form"):
        if tag.get("action", "").split("?")[0].endswith(action):
            return read_form(tag)
    raise AssertionError(f"no form posting to …{action} on {resp.request.path}; forms: "
                         f"{[t.get('action') for t in page.find_all('form')]}")


def login(client: FlaskClient, key: str) -> None:
    """Sign in as the STAFF member ``key`` through the real sign-in form."""
    page = client.get("/auth/login")
    resp = form(page, "/auth/login").submit(client, name=STAFF[key][0], password=PASSWORD)
    assert resp.status_code == 303, resp.status_code


def field_errors(resp: TestResponse) -> dict[str, list[str]]:
    """Errors shown next to fields: each invalid control's name and the messages it points to."""
    page = soup(resp)
    out: dict[str, list[str]] = {}
    for control in page.select('[aria-invalid="true"]'):
        ids = (control.get("aria-describedby") or "").split()
        out[control.get("name")] = [page.find(id=i).get_text(strip=True) for i in ids
                                    if page.find(id=i) and "field-error" in page.find(id=i).get("class", [])]
    return out


def external_urls(resp: TestResponse) -> list[str]:
    """Every address in the page that would leave this site."""
    page = soup(resp)
    urls = [tag.get(attr) for attr in URL_ATTRIBUTES for tag in page.find_all(attrs={attr: True})]
    html = resp.get_data(as_text=True)
    styles = re.findall(r"url\(\s*['\"]?([^'\")]+)", html) + re.findall(r"@import\s+['\"]?([^'\";]+)", html)
    return [u for u in urls + styles if EXTERNAL.match(u) and not u.startswith(SAFE_SCHEMES)
            and not u.startswith("#")]


def redirected_back(client: FlaskClient, resp: TestResponse, path: str, anchor: str) -> TestResponse:
    """Follow a form's 303 back to its page (Post/Redirect/Get), checking it lands on ``path`` at ``#anchor``."""
    assert resp.status_code == 303, resp.status_code
    assert resp.headers["Location"] == f"{path}#{anchor}", resp.headers["Location"]
    shown = client.get(resp.headers["Location"])
    assert shown.status_code == 200, shown.status_code
    return shown
