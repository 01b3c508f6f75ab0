"""A published decision page as HTML, turned into the text layout its parser reads (registry.seed.parse_annex).

Each paragraph becomes its line and a blank line; each table cell becomes its text and a blank line, an empty
cell a single blank line, so a table reads as the page text does. Pure: the standard library's HTMLParser.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "title", "section", "article", "table", "tr"}
SKIPPED = {"script", "style", "head"}


class _Lines(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.buffer: list[str] = []
        self.skipping = 0
        self.in_cell = False

    def _text(self) -> str:
        text = re.sub(r"[\t\r\n]+", "", "".join(self.buffer)).strip(" ")
        self.buffer = []
        return text

    def _paragraph(self) -> None:
        text = self._text()
        if text:
            self.lines += [text, ""]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in ("td", "th"):
            self._paragraph()
            self.in_cell = True
        elif tag == "br" and not self.in_cell:
            self._paragraph()
        elif tag in BLOCKS:
            self._paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("td", "th"):
            text = self._text()
            self.lines += [text, ""] if text else [""]
            self.in_cell = False
        elif tag in BLOCKS:
            self._paragraph()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.buffer.append(data)


def page_text(html: str) -> str:
    """The page's text in the source layout: paragraphs and table cells as lines, blank lines between."""
    parser = _Lines()
    parser.feed(html)
    parser.close()
    parser._paragraph()
    return "\n".join(parser.lines)
