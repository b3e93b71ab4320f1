"""marshmallow helpers shared by every service's contract."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from services.kit.errors import Invalid

MAX_PAGE = 500


def load(schema: Schema, data, *, partial=False):
    """Load input or raise ``Invalid`` naming every bad field."""
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object", {"_schema": ["expected a JSON object"]})
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise Invalid("the input has invalid fields", errors) from None


class InputSchema(Schema):
    """Requests refuse unknown fields, so a typo is reported instead of ignored."""

    class Meta:
        unknown = RAISE


class EventSchema(Schema):
    """Every event carries these; consumers exclude what they do not know."""

    class Meta:
        unknown = EXCLUDE

    event_id = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class PageQuery(InputSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


def page_of(items: list, total: int) -> dict:
    return {"items": items, "total": total}
