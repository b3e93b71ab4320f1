"""marshmallow helpers shared by every service's contract."""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

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
        raise Invalid("the input has invalid fields", flatten_errors(errors)) from None


def flatten_errors(errors: dict, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow nests errors of lists and nested objects; API.md promises
    field -> list of messages, so ``{"roles": {"0": [...]}}`` becomes ``{"roles.0": [...]}``."""
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_errors(value, path))
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            flat[path] = value
        else:
            flat[path] = [str(value)]
    return flat


# Identifiers and counts fit the databases' 32-bit integer columns.
MAX_ID = 2_147_483_647
ID = validate.Range(min=1, max=MAX_ID)


def _unstorable(value) -> str | None:
    """Why a string cannot be stored as text, if it cannot."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text"
    return None


def _check_text(value, path: str, errors: dict) -> None:
    if isinstance(value, str):
        reason = _unstorable(value)
        if reason:
            errors.setdefault(path or "_schema", []).append(reason)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(item, f"{path}.{key}" if path else str(key), errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}.{index}" if path else str(index), errors)


class InputSchema(Schema):
    """Requests refuse unknown fields, so a typo is reported instead of ignored, and
    text no database could store (NUL characters, lone surrogates) is refused by field."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _storable_text(self, data, **kwargs):
        errors: dict = {}
        if isinstance(data, dict):
            _check_text(data, "", errors)
        if errors:
            raise ValidationError(errors)
        return data


class EventSchema(Schema):
    """Every event carries these; consumers exclude what they do not know."""

    class Meta:
        unknown = EXCLUDE

    event_id = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class PageQuery(InputSchema):
    """``limit`` and ``offset`` of every collection (API.md)."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


def page_of(items: list, total: int) -> dict:
    return {"items": items, "total": total}
