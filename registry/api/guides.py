"""/api/v1/powers/{id}/guide: a power's service guide (办事指南), read by anyone, changed by its guiding
department or the admin."""

from __future__ import annotations

from typing import Any

from registry import db
from registry.api.blueprint import Blueprint, etag_header
from registry.domain.roles import ALLOWED, Action
from registry.http.access import current_caller, public, roles
from registry.http.caching import keepable
from registry.http.etag import expected_version, not_modified, optional_version, with_etag
from registry.http.paths import POWER
from registry.schemas.guides import GuidePatch
from registry.schemas.public import PublicGuide
from registry.services import guides

blp = Blueprint("guides", __name__, url_prefix="/api/v1", description="Service guides (办事指南)")
GUIDE = f"/powers{POWER}/guide"
ETAG_HEADER = etag_header("the guide")
editors = roles(*ALLOWED[Action.GUIDE_EDIT])  # a department user only for its own department's powers


@blp.get(GUIDE)
@public
@keepable
@blp.response(200, PublicGuide, headers=ETAG_HEADER)
@blp.alt_response(304, description="Not modified")
@blp.alt_response(404, response="NOT_FOUND", description="no such power (power.not_found), or it has no guide yet "
                                                         "(guide.not_found)")
def get_guide(power_id: int):
    """How to get the item done, for its receiving office; absent fields are null. A power without a guide is 404
    (``guide.not_found``); its ETag is what PATCH expects in If-Match."""
    guide = guides.get_guide(db.session(), power_id)
    return not_modified(guide.version) or with_etag(guide)


@blp.patch(GUIDE)
@editors
@blp.versioned_write("this guide", "guide.stale",
                     needed_when="once the power has a guide (the first change makes it and takes none)")
@blp.arguments(GuidePatch)
@blp.response(200, PublicGuide, headers=ETAG_HEADER)
def update_guide(changes: dict[str, Any], power_id: int):
    """Change the fields given (null clears one), with a reason; every field is checked together and each wrong one
    named (``fee.charged``, ``fee.basis`` for the fee's parts). Audited with the guide before and after."""
    session = db.session()
    reason = changes.pop("reason")
    expected = expected_version() if guides.find_guide(session, power_id) is not None else optional_version()
    guide = guides.update_guide(session, current_caller(), power_id, changes, expected, reason)
    session.commit()
    return with_etag(guide)
