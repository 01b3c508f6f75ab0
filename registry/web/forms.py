"""The pages' forms (WTForms through Flask-WTF, which adds the CSRF token to every form that posts)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
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

from registry.domain.choices import (
    DecisionActionKind,
    DepartmentKind,
    EvaluationConclusion,
    ExerciseLevel,
    PowerType,
    SupervisionKind,
)
from registry.domain.handover import ChecklistItem, Status
from registry.models.base import MAX_ID
from registry.schemas.common import PLAUSIBLE
from registry.services import reference
from registry.services.bulk import MAX_POWERS, Matching
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
    on = DateField("清单日期", validators=[Optional(), plausible])
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
            partial={"true": True, "false": False}.get(partial or ""), on=self._valid("on"),
            page=self._valid("page") or 1, per_page=per_page,
        )


class ChangesForm(Form):
    """The two dates of the list's changes: a GET form, so the answer is a link (no CSRF)."""

    class Meta:
        csrf = False

    start = DateField("开始日期", validators=[Optional(), plausible])
    end = DateField("结束日期", validators=[Optional(), plausible])


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


class SupervisionForm(EvidenceFields, Form):
    """One act of supervision of the item by its guiding department, and the rectification its finding may
    require (within working days of the record's date)."""

    held_on = DateField("监管日期", validators=[InputRequired(REQUIRED), plausible])
    kind = SelectField("监管方式", choices=_choices(SupervisionKind), validate_choice=True)
    findings = TextAreaField("工作内容和发现的问题", validators=[DataRequired(REQUIRED), Length(max=4000)])
    needs_rectification = BooleanField("发现的问题需要整改")
    requirement = TextAreaField("整改要求", validators=[Optional(), Length(max=2000)])
    days = IntegerField("整改期限（工作日）", validators=[Optional(), NumberRange(min=1, max=365)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.needs_rectification.data and self.days.data is None and not self.days.errors:
            self.days.errors = [*self.days.errors, "需要整改时，请填写整改期限"]
            return False
        return valid


class CloseRectificationForm(EvidenceFields, VersionedForm):
    """The zone's record that a rectification is done (the rectification is in the address)."""

    closed_on = DateField("办结日期", validators=[Optional(), plausible])
    note = TextAreaField("整改情况", validators=[Optional(), Length(max=1000)])


class BulkSelection(Form):
    """The console list's selection: the ticked powers, or every power the list's filter matches (all pages), as
    the fingerprint of the matches it showed."""

    powers = SelectMultipleField("选择事项", coerce=int, validate_choice=False)
    all_matching = BooleanField("全选")
    matching = HiddenField()

    def validate_powers(self, field) -> None:
        if self.all_matching.data:
            return
        if not field.data:
            raise ValidationError("请至少选择一个事项")
        if any(not 1 <= p <= MAX_ID for p in field.data):
            raise ValidationError("无效的事项")
        if len(field.data) > MAX_POWERS:
            raise ValidationError(f"一次最多 {MAX_POWERS} 个事项")

    def validate_matching(self, field) -> None:
        if self.all_matching.data and not (field.data or "").isalnum():
            raise ValidationError("请刷新列表后重新选择")

    def selection(self, f: PowerFilter) -> list[int] | Matching:
        """What the service is asked to act on: the ticked ids, or the filter's matches as shown."""
        if self.all_matching.data:
            return Matching(f, self.matching.data)
        return list(dict.fromkeys(self.powers.data))


class BulkForm(BulkSelection):
    """One workflow step for the selection."""

    to = SelectField("目标状态", choices=options([("", "请选择")]) + _choices(Status),
                     validators=[DataRequired("请选择目标状态")])
    note = StringField("说明", validators=[Optional(), Length(max=1000)])


class BulkTermsForm(BulkSelection):
    """Terms for the selection; a field left empty is left as each power has it."""

    receiving_office = SelectField("承接部门", coerce=optional_id, validate_choice=True)
    method = SelectField("移交方式", coerce=optional_id, validate_choice=True)
    planned_date = DateField("计划完成日期", validators=[Optional(), plausible])
    effective_date = DateField("生效日期", validators=[Optional(), plausible])
    terms_note = StringField("修改说明", validators=[Optional(), Length(max=1000)])
    confirm_past = BooleanField("生效日期早于今天：确认（须在“修改说明”中写明原因）")

    TERMS = ("receiving_office", "method", "planned_date", "effective_date")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.terms():
            self.receiving_office.errors = [*self.receiving_office.errors, "请至少填写一项交接条件"]
            return False
        return valid

    def terms(self) -> dict[str, object]:
        return {name: self[name].data for name in self.TERMS if self[name].data is not None}


class BulkCheckForm(EvidenceFields, BulkSelection):
    """Checklist items marked done for the selection, with one evidence record for all of them."""

    items = SelectMultipleField("清单事项", choices=_choices(ChecklistItem), validate_choice=True,
                                validators=[DataRequired("请至少选择一项清单事项")])
    check_note = StringField("说明", validators=[Optional(), Length(max=1000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.evidence():
            self.doc_number.errors = [*self.doc_number.errors, "标记完成须提供文号或链接"]
            return False
        return valid


class BulkConfirmForm(BulkSelection):
    """This caller's side of the two-sided confirmation, for the selection (the side is in the address)."""

    confirm_note = StringField("说明", validators=[Optional(), Length(max=1000)])


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


class DecisionImportForm(Form):
    """A decision file and the metadata a sheet lacks; after the preview, the same file (carried as ``payload``)
    and the reason to apply it."""

    file = FileField("决定文件", validators=[Optional()])
    payload = HiddenField()
    filename = HiddenField()
    number = StringField("文号", validators=[Optional(), Length(max=64)])
    title = StringField("标题", validators=[Optional(), Length(max=300)])
    date = DateField("发文日期", validators=[Optional()])
    effective = DateField("施行日期", validators=[Optional()])
    body = StringField("承接主体", validators=[Optional(), Length(max=100)])
    action = SelectField("未填调整类型的行按", choices=_choices(DecisionActionKind),
                         default=DecisionActionKind.DEVOLVE.value, validate_choice=True)
    add_departments = BooleanField("新建文件中出现而登记册尚无的部门和承接主体")
    reason = TextAreaField("导入原因", validators=[Optional(), Length(max=1000)])


class OfficeImportForm(Form):
    """A sheet of offices' contact details (.xlsx or .csv) and why they change; "check" only reports."""

    sheet = FileField("联系信息表（.xlsx 或 .csv）", validators=[FileRequired("请选择文件")])
    reason = StringField("修改说明", validators=[DataRequired(REQUIRED), Length(max=1000)])
    check_only = BooleanField("只检查，不保存")


class OfficeEditForm(OfficeForm, VersionedForm):
    """An existing department's details, with the version they were shown at."""


class GuideForm(Form):
    """A power's service guide, as the citizen page shows it; the rules are the service's (registry.domain.guides),
    worded beside each field. The version is blank for a power without a guide (it is made by this save)."""

    version = HiddenField()
    basic_code = StringField("基本编码", validators=[Optional(), Length(max=12)])
    implementation_code = StringField("实施编码", validators=[Optional(), Length(max=31)])
    legal_basis = TextAreaField("设定依据", validators=[Optional(), Length(max=4000)])
    service_object = StringField("服务对象", validators=[Optional(), Length(max=500)])
    conditions = TextAreaField("受理条件", validators=[Optional(), Length(max=4000)])
    materials = TextAreaField("申请材料（每行一项）", validators=[Optional(), Length(max=100 * 501)])
    procedure = TextAreaField("办理流程", validators=[Optional(), Length(max=4000)])
    legal_time_limit_days = IntegerField("法定办结时限（工作日）",
                                         validators=[Optional(), NumberRange(min=1, max=3650)])
    promised_time_limit_days = IntegerField("承诺办结时限（工作日）",
                                            validators=[Optional(), NumberRange(min=1, max=3650)])
    fee_charged = SelectField("是否收费", choices=options([("", "未填写"), ("no", "不收费"), ("yes", "收费")]),
                              validate_choice=True)
    fee_basis = TextAreaField("收费依据", validators=[Optional(), Length(max=1000)])
    location = StringField("办理地点", validators=[Optional(), Length(max=500)])
    hours = StringField("办理时间", validators=[Optional(), Length(max=500)])
    consult_phone = StringField("咨询电话", validators=[Optional(), Length(max=64)])
    complaint_phone = StringField("监督投诉电话", validators=[Optional(), Length(max=64)])
    online_url = StringField("在线办理网址", validators=[Optional(), Length(max=500)])
    result = StringField("办理结果", validators=[Optional(), Length(max=1000)])
    reason = StringField("修改原因", validators=[DataRequired("请说明修改原因"), Length(max=1000)])

    FEE = {"": None, "no": False, "yes": True}

    @property
    def expected_version(self) -> int:
        """The version the form was made from; 0 when it was made for a power without a guide."""
        try:
            return int(self.version.data or 0)
        except (TypeError, ValueError):
            return -1  # not a version this form gave: refused as stale

    def guide(self, fields: tuple[str, ...]) -> dict[str, object]:
        """The guide as typed, every field of ``fields`` (blank ones None), as the service takes it."""
        out: dict[str, object] = {}
        for name in fields:
            value = self[name].data
            if name == "materials":
                value = [line.strip() for line in (value or "").splitlines() if line.strip()] or None
            elif name == "fee_charged":
                value = self.FEE.get(value or "")
            elif isinstance(value, str):
                value = value.strip() or None
            out[name] = value
        return out


class GuideImportForm(Form):
    """The sheet of service guides (.xlsx or .csv) and why it is imported; preview checks and writes nothing."""

    sheet = FileField("表格文件（.xlsx 或 .csv）", validators=[FileRequired("请选择文件")])
    reason = StringField("导入原因", validators=[DataRequired("请说明导入原因"), Length(max=1000)])


class EvaluationForm(VersionedForm):
    """An item's conclusion for a period (the item and period are in the address); the version read, when the
    period was evaluated already (If-Match), else empty."""

    conclusion = RadioField("评估结论", choices=_choices(EvaluationConclusion),
                            validators=[InputRequired("请选择评估结论")])
    reason = TextAreaField("理由", validators=[DataRequired("请写明评估结论的理由"), Length(max=2000)])
    version = HiddenField()
