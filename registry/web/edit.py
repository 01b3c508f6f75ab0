"""The power edit form: every change says why, and a form made from an older version is refused, never saved
over someone else's change (the hidden version plays If-Match's part)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from registry import db
from registry.domain.choices import ExerciseLevel, PowerType
from registry.domain.roles import Action, Role, refusal
from registry.http.access import current_caller, roles
from registry.http.paths import POWER
from registry.models import Power
from registry.services import powers
from registry.services.authz import authorize
from registry.services.errors import StaleVersion
from registry.web import feedback, stale
from registry.web.forms import PowerEditForm, city_departments

bp = Blueprint("edit", __name__, url_prefix="/console/powers")
editors = roles(Role.ADMIN, Role.DEPARTMENT)  # a department user only for its own powers (the service checks)
SHOWN = ("seq", "name", "sub_items", "type", "level", "note", "partial", "devolved_part", "retained_part")


def _data(power: Power) -> dict[str, Any]:
    return {"seq": power.seq, "name": power.name, "sub_items": "\n".join(power.sub_items), "type": power.type.value,
            "level": power.level.value, "department": power.department_id, "note": power.note,
            "partial": power.partial, "devolved_part": power.devolved_part, "retained_part": power.retained_part,
            "version": str(power.version)}


def _changes(form: PowerEditForm, power: Power) -> dict[str, Any]:
    def text(value: str | None) -> str | None:
        return value.strip() or None if value else None

    may_reassign = refusal(current_caller(), Action.POWER_REASSIGN) is None
    return {
        "seq": form.seq.data, "name": form.name.data.strip(), "sub_items": form.sub_item_list(),
        "type": PowerType(form.type.data), "level": ExerciseLevel(form.level.data),
        "department": form.department.data if may_reassign and form.department.data else power.department_id,
        "note": text(form.note.data), "partial": form.partial.data,
        "devolved_part": text(form.devolved_part.data), "retained_part": text(form.retained_part.data),
    }


def _shown(name: str, value: Any) -> str:
    """A field's value as a person reads it, to compare what the form holds with what is stored."""
    if name == "type" and value:
        return PowerType(value).label
    if name == "level" and value:
        return ExerciseLevel(value).label
    if name == "partial" and value is not None:
        return "是" if value else "否"
    return stale.plain(name, value)


def _render(power: Power, form: PowerEditForm, problems: list[str] | None = None, is_stale: bool = False,
            status: int = 200):
    """The form; after a stale save, with what the stored power says beside what the user typed."""
    differing = stale.differing(form, SHOWN, _data(power), {"sub_items": "\n".join(form.sub_item_list())},
                                _shown) if is_stale else []
    return render_template("console/edit.html", power=power, form=form, problems=problems or [],
                           differing=differing,
                           may_reassign=refusal(current_caller(), Action.POWER_REASSIGN) is None), status


@bp.get(f"{POWER}/edit")
@editors
def form(power_id: int):
    """The form, filled in from the power as it is now (only for a caller who may change this power)."""
    power = powers.get_power(db.session(), power_id)
    authorize(current_caller(), Action.POWER_UPDATE, power.department_id)
    form = PowerEditForm(formdata=None, data=_data(power))
    form.department.choices = city_departments(db.session())
    return _render(power, form)


@bp.post(f"{POWER}/edit")
@editors
def save(power_id: int):
    """Save the change with its reason; refused with a clear message if the power changed since the form was made."""
    session = db.session()
    power = powers.get_power(session, power_id)
    form = PowerEditForm()
    form.department.choices = city_departments(session)
    if not form.validate():
        return _render(power, form, ["请检查下面标出的内容。"], status=422)
    try:
        powers.update_power(session, current_caller(), power_id, _changes(form, power), form.expected_version or 0,
                            form.reason.data.strip())
        session.commit()
    except feedback.FORM_ERRORS as error:
        session.rollback()
        problems = feedback.bind(form, error)
        if isinstance(error, StaleVersion):
            current = powers.get_power(session, power_id)
            stale.refresh(form, current.version)
            return _render(current, form, problems, is_stale=True, status=feedback.status(error))
        return _render(power, form, problems, status=feedback.status(error))
    flash("事项信息已保存，修改原因已记入审计记录。", "ok")
    return redirect(url_for("handover.page", power_id=power_id), 303)
