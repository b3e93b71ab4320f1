"""marshmallow helpers shared by every service's contract."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP
from zoneinfo import ZoneInfo

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from services.kit.errors import Invalid, RuleViolation

MAX_PAGE = 500


def load(schema: Schema, data, *, partial=False):
    """Load input or raise ``Invalid`` naming every bad field."""
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object", {"_schema": ["expected a JSON object"]})
    try:
        loaded = schema.load(data, partial=partial)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise Invalid("the input has invalid fields", flatten_errors(errors)) from None
    out_of_range: dict = {}
    # free-form values (a GPS batch's rows, each checked on its own and reported alone) are any
    # JSON, as the document says; only what the schema itself types is bounded here
    free = {name for name, field in schema.fields.items() if _free_form(field)}
    _check_ranges({key: value for key, value in loaded.items() if key not in free}, "", out_of_range)
    if out_of_range:
        raise Invalid("the input has invalid fields", out_of_range)
    return loaded


def _free_form(field) -> bool:
    """``fields.Raw`` (any JSON), or a list or a dict of it."""
    inner = getattr(field, "inner", None) or getattr(field, "value_field", None)
    return type(field) is fields.Raw or (inner is not None and type(inner) is fields.Raw)


# Dates the suite can reason about (a day in Asia/Shanghai, a year's figures).
DATE_YEARS = (1900, 2200)


def states(json_schema: dict):
    """Marks a ``validates_schema`` method with the JSON Schema that says the same rule in
    the API document (gateway/openapi.py), beside the code that enforces it; on a schema
    class, it states a rule its service's ``domain.py`` enforces on the loaded data. A rule JSON
    Schema cannot say, one field's value before another's, goes in ``x-ordered`` as
    ``[first, then, "<" or "<=", at most this many days apart (optional)]``, with the
    fields' names as sent (``*`` for each item of a list); an instant beside a date is its
    day in Asia/Shanghai, a month (YYYY-MM) its first day."""

    def mark(method):
        method.json_schema = json_schema
        return method

    return mark


def year_pattern(first: int = DATE_YEARS[0], last: int = DATE_YEARS[1]) -> str:
    """A regular expression for a date or an instant (ISO 8601) in the years ``first`` to
    ``last``: what the API document says of the dates ``load`` accepts."""
    parts, year = [], first
    while year <= last:
        step = next(step for step in (1000, 100, 10, 1) if year % step == 0 and year + step - 1 <= last)
        wild = len(str(step)) - 1
        parts.append(str(year)[:4 - wild] + r"\d" * wild)
        year += step
    return rf"^(?:{'|'.join(parts)})-"


class Years(validate.Validator):
    """A date or an instant in the years ``first`` to ``last`` (narrower than ``DATE_YEARS``)."""

    def __init__(self, first: int, last: int):
        self.first, self.last = first, last

    def __call__(self, value):
        if not self.first <= value.year <= self.last:
            raise ValidationError(f"must lie in the years {self.first} to {self.last}")
        return value


def _check_ranges(value, path: str, errors: dict) -> None:
    """Dates within ``DATE_YEARS``; whole numbers within the databases' 32-bit columns (a larger
    offset or id reached the database and failed there)."""
    if isinstance(value, (date, datetime)):
        if not DATE_YEARS[0] <= value.year <= DATE_YEARS[1]:
            errors.setdefault(path or "_schema", []).append(f"must be between the years {DATE_YEARS[0]} and {DATE_YEARS[1]}")
    elif isinstance(value, int) and not isinstance(value, bool):
        if not -MAX_ID - 1 <= value <= MAX_ID:
            errors.setdefault(path or "_schema", []).append(f"must be between {-MAX_ID - 1} and {MAX_ID}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_ranges(item, f"{path}.{key}" if path else str(key), errors)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_ranges(item, f"{path}.{index}" if path else str(index), errors)


def check_not_future(now: datetime, timezone, **values: date | datetime | None) -> None:
    """Dates and instants that say something happened cannot lie ahead: an instant after
    ``now``, a day after today in ``timezone`` (a "day" of the rules). Every such field is
    named; ``None`` is not checked. Well formed but refused for the clock: a rule (422
    ``dates.in_future``), never a 400, which would say the request itself was malformed."""
    today = now.astimezone(timezone).date()
    ahead = {name: ["must not lie in the future"] for name, value in values.items()
             if value is not None and (value > now if isinstance(value, datetime) else value > today)}
    if ahead:
        raise RuleViolation(f"{', '.join(ahead)} cannot lie in the future", "dates.in_future", ahead)


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
INT32 = validate.Range(min=-MAX_ID - 1, max=MAX_ID)


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

    def on_bind_field(self, field_name, field_obj):
        # a whole number without bounds of its own is held to what the databases' integer
        # columns store (beyond it PostgreSQL refuses the statement), and the API document says so
        number = field_obj.inner if isinstance(field_obj, fields.List) else field_obj
        if isinstance(number, fields.Integer) and not any(
                isinstance(rule, validate.Range) and rule.max is not None for rule in number.validators):
            number.validators = [*number.validators, INT32]

    @pre_load
    def _storable_text(self, data, **kwargs):
        errors: dict = {}
        if isinstance(data, dict):
            _check_text(data, "", errors)
            for name, field in self.fields.items():
                value = data.get(field.data_key or name)
                # marshmallow would truncate 2.5 to 2; a count or an id is a whole number
                if isinstance(field, fields.Integer) and isinstance(value, float) and not value.is_integer():
                    errors.setdefault(field.data_key or name, []).append("Not a valid integer.")
                # marshmallow takes 0 and 1 for false and true; JSON has booleans (query strings stay text)
                if isinstance(field, fields.Boolean) and isinstance(value, (int, float)) and not isinstance(value, bool):
                    errors.setdefault(field.data_key or name, []).append("Not a valid boolean.")
        if errors:
            raise ValidationError(errors)
        return data


# -- one representation per kind (API.md) ---------------------------------------------------------
ANSWER_TIMEZONE = ZoneInfo("Asia/Shanghai")


def _described(kwargs: dict, what: str) -> dict:
    metadata = dict(kwargs.pop("metadata", None) or {})
    metadata["description"] = f"{metadata['description']} ({what})" if metadata.get("description") else what
    return metadata


class Money(fields.Decimal):
    """Money in yuan: taken as a number (or a numeric string), kept as a Decimal, answered as a
    JSON number rounded to ``places`` decimals (two: fen) everywhere, never a string."""

    def __init__(self, places: int = 2, **kwargs):
        decimals = {2: "two", 4: "four"}.get(places, str(places))
        metadata = _described(kwargs, f"yuan, a JSON number with {decimals} decimals")
        super().__init__(places=places, rounding=ROUND_HALF_UP, metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        number = super()._serialize(value, attr, obj, **kwargs)
        return None if number is None else float(number)


class Instant(fields.AwareDateTime):
    """A point in time: taken in ISO 8601 with any offset (an offset is required), answered in
    +08:00 (Asia/Shanghai) everywhere, whatever zone it was stored or computed in."""

    def __init__(self, **kwargs):
        metadata = _described(kwargs, "ISO 8601 with an offset; answered in +08:00")
        super().__init__(format="iso", metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:  # stored naive means stored in UTC (db.UtcDateTime)
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(ANSWER_TIMEZONE).isoformat()


def _mailbox_lengths(value: str) -> str:
    if len(value) > 254 or len(value.rpartition("@")[0]) > 64:
        raise ValidationError("at most 64 characters before the @ and 254 in all")
    return value


class Email(fields.Email):
    """An e-mail address as mail servers take it (RFC 5321): at most 64 characters before the
    @ and 254 in all (marshmallow checks only the form), as the document's ``format: email`` says."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, _mailbox_lengths)


class UnitCode(fields.String):
    """A unit's code (单位代码) as every contract takes it: 1 to 40 characters."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(min=1, max=40), **kwargs)


class EventSchema(Schema):
    """Every event carries these; consumers exclude what they do not know."""

    class Meta:
        unknown = EXCLUDE

    event_id = fields.String(required=True)
    occurred_at = Instant(required=True)


class PageQuery(InputSchema):
    """``limit`` and ``offset`` of every collection (API.md)."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


class SyncQuery(PageQuery):
    """A collection other systems synchronise from: ``updated_since`` reads only what changed."""

    updated_since = Instant(metadata={"description": (
        "only records created or changed at or after this instant, oldest change first; "
        "read on from the last record's updated_at and drop ids already seen")})


def page_of(items: list, total: int) -> dict:
    return {"items": items, "total": total}
