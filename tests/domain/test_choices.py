"""Closed sets: stable codes and the exact labels of the source."""

from __future__ import annotations

import pytest

from registry.domain.choices import ExerciseLevel, PowerType
from seed import parse_annex


@pytest.mark.parametrize(
    ("choices", "text", "expected"),
    [
        (PowerType, "行政许可", PowerType.LICENSING),
        (PowerType, "licensing", PowerType.LICENSING),
        (PowerType, "其他行政权力", PowerType.OTHER),
        (ExerciseLevel, "市级、区县级", ExerciseLevel.CITY_AND_COUNTY),
        (ExerciseLevel, "city", ExerciseLevel.CITY),
    ],
)
def test_parse(choices, text: str, expected) -> None:
    assert choices.parse(text) is expected


@pytest.mark.parametrize(("choices", "text"), [(PowerType, "许可"), (PowerType, ""), (ExerciseLevel, "区县级")])
def test_parse_rejects(choices, text: str) -> None:
    with pytest.raises(ValueError):
        choices.parse(text)


def test_labels_are_exactly_the_sources_closed_sets() -> None:
    assert {c.label for c in PowerType} == parse_annex.TYPE_LABELS
    assert {c.label for c in ExerciseLevel} == parse_annex.LEVEL_LABELS
