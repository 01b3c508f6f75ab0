"""What the public data looks like "now", in one cheap token: it changes with every write, so nothing keyed
by it can be stale.

Every write to registry data appends an audit entry, so the trail's head moves; synthetic scale data is
written outside the trail, so its decisions are part of the token too. The Beijing date is part of it
because some answers (who handles an item today, what is overdue) change at midnight without a write.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.workdays import today_in_china
from registry.models import Decision
from registry.services import audit


def data_version(session: Session) -> str:
    size, _ = audit.head(session)
    synthetic = session.scalars(select(Decision.doc_number).where(Decision.synthetic.is_(True))
                                .order_by(Decision.id)).all()
    return f"{size}|{'+'.join(synthetic)}|{today_in_china().isoformat()}"
