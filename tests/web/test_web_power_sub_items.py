"""A citizen's power page says in one sentence which sub-items of an item the decision devolves, quoting the
annex's 子项名称 exactly (registry.web.wording.devolved_sub_items), and says nothing of the kind otherwise."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from seed import parse_annex
from tests.pages import soup

ITEMS = {p["seq"]: p for p in parse_annex.parse_file()["powers"]}
SENTENCES = {
    74: "本次下放的是该事项中的以下子项：“危险化学品生产的企业安全生产许可”。",
    75: "本次下放的是该事项中的以下子项：“其他金属冶炼建设项目安全设施设计审查”、"
        "“其他危险化学品生产、储存建设项目安全设施设计审查”。",
    38: None,  # 取水许可: no sub-items
}


@pytest.mark.parametrize("seq", SENTENCES)
def test_the_sub_items_devolved_are_said_in_one_sentence(reader: FlaskClient, seq: int) -> None:
    page = soup(reader.get(f"/powers/{seq}"))  # the seeded ids are the 序号
    said = [p.get_text() for p in page.select(".sub-items-devolved")]
    assert said == ([SENTENCES[seq]] if SENTENCES[seq] else [])
    if SENTENCES[seq] is None:
        assert not ITEMS[seq]["sub_items"] and "本次下放的是" not in page.get_text()
    else:  # the sentence quotes the freshly parsed source, every sub-item and nothing else
        assert SENTENCES[seq].count("“") == len(ITEMS[seq]["sub_items"])
        assert all(f"“{s}”" in SENTENCES[seq] for s in ITEMS[seq]["sub_items"])
