"""Guard and staff training (安全, 消防 培训): date, topic, hours, attendees. A mixin of ``FacilitiesService``."""
from __future__ import annotations

from sqlalchemy import select

from services.facilities import contract
from services.facilities.models import Training
from services.facilities.settings import UPKEEP
from services.facilities.base import FacilitiesBase, columns
from services.kit.db import get_or_404, paginate
from services.kit.entrypoints import rpc
from services.kit.schemas import check_not_future, load, page_of

READERS, MANAGERS = contract.TRAINING_READERS, contract.PATROL_MANAGERS

training_out = contract.Training()


class TrainingRpc(FacilitiesBase):
    @rpc
    def create_training(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.TrainingCreate(), payload)
        check_not_future(self._now(), UPKEEP.timezone, held_on=data["held_on"])
        attendees = list(dict.fromkeys(name.strip() for name in data["attendees"]))  # each person once
        training = Training(**{**data, "attendees": attendees}, attendee_count=len(attendees))
        self.db.session.add(training)
        self.db.audit("create", training)
        self.db.session.flush()
        return training_out.dump(columns(training))

    @rpc(reads_only=True)
    def list_trainings(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.TrainingQuery(), query or {})
        statement = select(Training).order_by(Training.held_on.desc(), Training.id.desc())
        if q.get("category"):
            statement = statement.where(Training.category == q["category"])
        if q.get("from_on"):
            statement = statement.where(Training.held_on >= q["from_on"])
        if q.get("to_on"):
            statement = statement.where(Training.held_on <= q["to_on"])
        items = self.db.session.scalars(statement).all() if q.get("attendee") else None
        if items is not None:  # attendees are a JSON list: filtered here, the lists are short
            matching = [item for item in items if q["attendee"] in (item.attendees or [])]
            page = matching[q["offset"]:q["offset"] + q["limit"]]
            return page_of([training_out.dump(columns(item)) for item in page], len(matching))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([training_out.dump(columns(item)) for item in items], total)

    @rpc(reads_only=True)
    def get_training(self, training_id):
        self.call.caller.require(*READERS)
        return training_out.dump(columns(get_or_404(self.db.session, Training, int(training_id), "training")))
