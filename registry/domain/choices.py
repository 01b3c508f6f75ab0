"""Closed sets of the registry, each with a stable code and the exact Chinese label of the source."""

from __future__ import annotations

from enum import StrEnum


class LabelledChoice(StrEnum):
    """A choice whose value is its stable code and which carries its published label."""

    label: str

    def __new__(cls, code: str, label: str) -> LabelledChoice:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        return obj

    @property
    def code(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> LabelledChoice:
        """Accept either the stable code or the exact label; raise ValueError otherwise."""
        for choice in cls:
            if text in (choice.value, choice.label):
                return choice
        raise ValueError(text)

    @classmethod
    def codes(cls) -> list[str]:
        return [c.value for c in cls]

    @classmethod
    def accepted(cls) -> list[str]:
        """Every spelling parse() accepts, for error messages and the API document."""
        return [s for c in cls for s in (c.value, c.label)]


class PowerType(LabelledChoice):
    """事项类型."""

    LICENSING = ("licensing", "行政许可")
    PENALTY = ("penalty", "行政处罚")
    INSPECTION = ("inspection", "行政检查")
    LEVY = ("levy", "行政征收")
    CONFIRMATION = ("confirmation", "行政确认")
    OTHER = ("other", "其他行政权力")


class ExerciseLevel(LabelledChoice):
    """行使层级."""

    CITY = ("city", "市级")
    CITY_AND_COUNTY = ("city_county", "市级、区县级")


class DepartmentKind(LabelledChoice):
    """Whether a department guides from the city or receives powers in the zone."""

    CITY = ("city", "市级指导(实施)部门")
    ZONE = ("zone", "经开区承接机构")


class DayOverride(LabelledChoice):
    """How a day of the working-day calendar differs from its weekday (Monday–Friday work, Saturday and Sunday
    rest): a holiday (放假, any day) or a make-up workday (调休上班, a Saturday or Sunday)."""

    HOLIDAY = ("holiday", "放假")
    WORKDAY = ("workday", "调休上班")


class DecisionActionKind(LabelledChoice):
    """调整类型: what one annex row of a decision does to an item for its receiving body."""

    DEVOLVE = ("devolve", "下放")
    ENTRUST = ("entrust", "委托")
    RECALL = ("recall", "收回")
    CANCEL = ("cancel", "取消")
    SUSPEND = ("suspend", "暂停")
    RESUME = ("resume", "恢复")
    ADJUST = ("adjust", "调整")


class SupervisionKind(LabelledChoice):
    """What a guiding department did for the zone's handling of its item (事中事后监管)."""

    GUIDANCE = ("guidance", "指导")
    TRAINING = ("training", "培训")
    INSPECTION = ("inspection", "检查")


class RectificationState(LabelledChoice):
    """Where a required rectification (整改) stands; derived from its deadline and closing date, never typed."""

    OPEN = ("open", "整改中")
    OVERDUE = ("overdue", "逾期未整改")
    CLOSED = ("closed", "已整改")
    CLOSED_LATE = ("closed_late", "逾期整改")


class EvaluationConclusion(LabelledChoice):
    """The evaluator's conclusion on a devolved item for a period (评估结论)."""

    KEEP = ("keep", "保留")
    ADJUST = ("adjust", "调整")
    PROPOSE_RECALL = ("propose_recall", "建议收回")
