"""The pages' forms (WTForms through Flask-WTF, which adds the CSRF token to every form that posts)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from registry.domain.choices import DepartmentKind, ExerciseLevel, PowerType
from registry.domain.handover import Status
from registry.models.base import MAX_ID
from registry.schemas.handovers import PLAUSIBLE
from registry.services import reference
from registry.services.powers import PowerFilter

REQUIRED = "必填"


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as a select's choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(choice_type) -> list[SelectChoice]:
    return options((c.value, c.label) for c in choice_type)


def city_departments(session: Session) -> list[SelectChoice]:
    """The guiding departments, as a select's choices."""
    return options((d.id, d.name) for d in reference.list_departments(session, DepartmentKind.CITY))


def plausible(_form, field) -> None:
    """The API's date bounds (the same Range): the decision is of 2021; nothing before 2000 or after 2100."""
    if field.data is not None and not PLAUSIBLE.min <= field.data <= PLAUSIBLE.max:
        raise ValidationError(f"日期须在 {PLAUSIBLE.min.year} 年至 {PLAUSIBLE.max.year} 年之间")


def web_link(_form, field) -> None:
    if field.data:
        parts = urlsplit(field.data)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError("须为 http 或 https 链接")


class Form(FlaskForm):
    """The pages' base form: WTForms' own messages in Chinese (its bundled zh catalogue)."""

    class Meta:
        locales = ("zh",)


def optional_id(value: str | int | None) -> int | None:
    """A select's value: an id, or None for its empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


class LoginForm(Form):
    name = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=100)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=1024)])


class LogoutForm(Form):
    """Only the CSRF token: signing out is a POST so another site cannot sign a user out."""


class SearchForm(Form):
    """The citizens' search and filters: a GET form, so a search is a link that can be shared (no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("搜索事项", validators=[Optional(), Length(max=100, message="最多 100 个字")])
    type = SelectMultipleField("事项类型", choices=_choices(PowerType), validate_choice=True)
    department = SelectMultipleField("指导部门", coerce=int, validate_choice=True)
    partial = RadioField("下放范围", choices=options([("", "不限"), ("false", "全部下放"), ("true", "部分下放")]),
                         default="", validate_choice=True)
    status = SelectMultipleField("交接状态", choices=_choices(Status), validate_choice=True)
    page = IntegerField("页码", default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])

    def _valid(self, name: str):
        """A field's value once validated; None for a field that failed (its error is shown, its filter dropped)."""
        return None if self[name].errors else self[name].data

    def to_filter(self, per_page: int) -> PowerFilter:
        """The search as the service takes it."""
        partial = self._valid("partial")
        return PowerFilter(
            q=(self._valid("q") or "").strip() or None,
            type=[PowerType(t) for t in self._valid("type") or []],
            department=[str(d) for d in self._valid("department") or []],
            status=[Status(s) for s in self._valid("status") or []],
            partial={"true": True, "false": False}.get(partial or ""),
            page=self._valid("page") or 1, per_page=per_page,
        )


class VersionedForm(Form):
    """A form for a versioned record: the version it was rendered from goes back with it (If-Match)."""

    version = HiddenField(validators=[InputRequired()])

    @property
    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class TermsForm(VersionedForm):
    receiving_office = SelectField("承接部门", coerce=optional_id, validate_choice=True)
    method = SelectField("移交方式", coerce=optional_id, validate_choice=True)
    content = TextAreaField("具体内容", validators=[Optional(), Length(max=4000)])
    scope = TextAreaField("实施范围", validators=[Optional(), Length(max=4000)])
    planned_date = DateField("计划完成日期", validators=[Optional(), plausible])
    effective_date = DateField("生效日期", validators=[Optional(), plausible])
    confirm_past = BooleanField("确认生效日期早于今天，按此日期生效")
    legal_basis = TextAreaField("法律依据", validators=[Optional(), Length(max=2000)])
    authorisation_needed = BooleanField("需依法取得授权或者制定修改相关法规规章")
    authorisation_doc_number = StringField("授权文件文号", validators=[Optional(), Length(max=200)])
    authorisation_date = DateField("授权文件日期", validators=[Optional(), plausible])
    authorisation_link = StringField("授权文件链接", validators=[Optional(), Length(max=500), web_link])
    notes = TextAreaField("备注", validators=[Optional(), Length(max=4000)])
    note = StringField("修改说明", validators=[Optional(), Length(max=1000)])


class EvidenceFields:
    """The fields of a step's evidence: a document number, its date, a link."""

    doc_number = StringField("文号", validators=[Optional(), Length(max=200)])
    evidence_date = DateField("日期", validators=[Optional(), plausible])
    link = StringField("链接", validators=[Optional(), Length(max=500), web_link])

    def evidence(self) -> dict[str, str] | None:
        out = {"doc_number": self.doc_number.data, "date": self.evidence_date.data, "link": self.link.data}
        out = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in out.items() if v}
        return out or None


class TransitionForm(EvidenceFields, VersionedForm):
    """One workflow step (the target state is in the address)."""

    note = TextAreaField("说明", validators=[Optional(), Length(max=1000)])
    recall_date = DateField("收回日期", validators=[Optional(), plausible])


class ConfirmForm(EvidenceFields, VersionedForm):
    """One side's confirmation (the side is in the address)."""

    note = TextAreaField("说明", validators=[Optional(), Length(max=1000)])


class CheckForm(EvidenceFields, VersionedForm):
    """Mark a checklist item done with its evidence, or reopen it saying why (the item is in the address)."""

    done = HiddenField(validators=[InputRequired()])
    note = StringField("说明", validators=[Optional(), Length(max=1000)])

    @property
    def marks_done(self) -> bool:
        return self.done.data == "1"


class BulkForm(Form):
    powers = SelectMultipleField("选择事项", coerce=int, validate_choice=False,
                                 validators=[DataRequired("请至少选择一个事项")])
    to = SelectField("目标状态", choices=options([("", "请选择")]) + _choices(Status),
                     validators=[DataRequired("请选择目标状态")])
    note = StringField("说明", validators=[Optional(), Length(max=1000)])

    def validate_powers(self, field) -> None:
        if any(not 1 <= p <= MAX_ID for p in field.data or []):
            raise ValidationError("无效的事项")
        if len(field.data or []) > 200:
            raise ValidationError("一次最多 200 个事项")


class PowerEditForm(VersionedForm):
    seq = IntegerField("序号", validators=[InputRequired(REQUIRED), NumberRange(min=1, max=1_000_000)])
    name = StringField("事项名称", validators=[DataRequired(REQUIRED), Length(max=500)])
    sub_items = TextAreaField("子项名称（每行一项）", validators=[Optional(), Length(max=50 * 501)])
    type = SelectField("事项类型", choices=_choices(PowerType))
    level = SelectField("行使层级", choices=_choices(ExerciseLevel))
    # Only the admin reassigns a power (the service checks, and says so); others do not see this field.
    department = SelectField("市级指导(实施)部门(单位)", coerce=optional_id, validate_choice=False)
    note = TextAreaField("备注", validators=[Optional(), Length(max=2000)])
    partial = BooleanField("部分下放")
    devolved_part = TextAreaField("下放部分", validators=[Optional(), Length(max=1000)])
    retained_part = TextAreaField("保留部分", validators=[Optional(), Length(max=1000)])
    reason = StringField("修改原因", validators=[DataRequired("请说明修改原因"), Length(max=1000)])

    def validate_sub_items(self, field) -> None:
        lines = self.sub_item_list()
        if len(lines) > 50:
            raise ValidationError("最多 50 个子项")
        if any(len(line) > 500 for line in lines):
            raise ValidationError("每个子项最多 500 个字")

    def sub_item_list(self) -> list[str]:
        return [line.strip() for line in (self.sub_items.data or "").splitlines() if line.strip()]


class AuditFilterForm(Form):
    """The auditor's filters: a GET form (no CSRF), so a filtered view is a link."""

    class Meta:
        csrf = False

    entity_type = SelectField("对象", choices=options([("", "全部")]), validate_choice=True, default="")
    power = StringField("事项", validators=[Optional(), Length(max=100)])
    power_id = HiddenField("事项编号", validators=[Optional()])
    actor = StringField("操作人", validators=[Optional(), Length(max=100)])
    action = SelectField("操作", choices=options([("", "全部")]), validate_choice=True, default="")
    field = StringField("字段", validators=[Optional(), Length(max=64)])
    since = DateField("起始日期", validators=[Optional(), plausible])
    until = DateField("截止日期", validators=[Optional(), plausible])
    page = IntegerField("页码", default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])

    def validate_power_id(self, field) -> None:
        if field.data and not (str(field.data).isdigit() and 1 <= int(field.data) <= MAX_ID):
            raise ValidationError("事项编号须为正整数")


class VerifyForm(Form):
    """Only the CSRF token: the verify button."""


class OfficeForm(Form):
    """A department's name and the contact details citizens see on a power's page."""

    name = StringField("名称", validators=[DataRequired(REQUIRED), Length(max=100)])
    address = StringField("地址", validators=[Optional(), Length(max=300)])
    phone = StringField("电话", validators=[Optional(), Length(max=64)])
    hours = StringField("办公时间", validators=[Optional(), Length(max=200)])
    reason = StringField("修改说明", validators=[Optional(), Length(max=1000)])

    DETAILS = ("name", "address", "phone", "hours")

    def details(self) -> dict[str, str | None]:
        return {name: (self[name].data or "").strip() or None for name in self.DETAILS}


class OfficeEditForm(OfficeForm, VersionedForm):
    """An existing department's details, with the version they were shown at."""
