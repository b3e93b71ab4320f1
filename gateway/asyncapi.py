"""The events catalogue: an AsyncAPI 2.6 document built from every contract's ``EVENTS``
(event type -> marshmallow schema), so integrators on AMQP and on webhooks read one
reference. The payload schemas come from the same converter as the OpenAPI document."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.openapi import _numbers_as_numbers, _schema_name
from services.integrations import contract as integrations

ASYNCAPI_VERSION = "2.6.0"


def _sources() -> dict:
    return {**integrations.SOURCES, integrations.SERVICE: integrations}


def _envelope(payload_ref: str) -> dict:
    return {
        "type": "object", "required": ["id", "type", "time", "payload"],
        "properties": {
            "id": {"type": "string", "description": "the event id: drop a duplicate delivery by it"},
            "type": {"type": "string"},
            "time": {"type": "string", "format": "date-time"},
            "payload": {"$ref": payload_ref},
        },
    }


WEBHOOK_HEADERS = {
    "type": "object",
    "properties": {
        "X-Signature": {"type": "string", "description":
                        "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>' with the subscription's secret>; "
                        "refuse a timestamp older than a few minutes"},
        "X-Event-Id": {"type": "string"},
        "X-Event-Type": {"type": "string"},
        "X-Delivery-Id": {"type": "string"},
    },
}


@lru_cache(maxsize=1)
def build_asyncapi(version: str = "1.0.0") -> dict:
    converter = APISpec(title="events", version=version, openapi_version="3.0.3",
                        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)])
    channels: dict = {}
    messages: dict = {}
    webhook_messages = []
    for source, contract in sorted(_sources().items()):
        exchange = f"{source}.events"
        for event_type, schema in sorted(contract.EVENTS.items()):
            name = _schema_name(schema)
            if name not in converter.components.schemas:
                converter.components.schema(name, schema=schema)
            ref = f"#/components/schemas/{name}"
            summary = (schema.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ") or event_type
            messages[event_type] = {
                "name": event_type, "title": event_type, "summary": summary,
                "contentType": "application/json", "payload": {"$ref": ref},
            }
            channels[f"{exchange}/{event_type}"] = {
                "description": f"Published by {source} on the topic exchange {exchange}, routing key {event_type}.",
                "subscribe": {"operationId": f"receive_{source}_{event_type}", "summary": summary,
                              "message": {"$ref": f"#/components/messages/{event_type}"}},
                "bindings": {"amqp": {"is": "routingKey", "exchange": {
                    "name": exchange, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"},
                    "bindingVersion": "0.2.0"}},
            }
            if source != integrations.SERVICE:
                webhook_name = f"{event_type}.webhook"
                messages[webhook_name] = {
                    "name": webhook_name, "title": f"{event_type} (webhook)", "summary": summary,
                    "contentType": "application/json", "headers": WEBHOOK_HEADERS, "payload": _envelope(ref),
                }
                webhook_messages.append({"$ref": f"#/components/messages/{webhook_name}"})
    channels["webhook"] = {
        "description": "POSTed to each subscription's URL; retried with exponential backoff until a 2xx, "
                       "then parked after the retry window. At least once: drop duplicates by `id`.",
        "subscribe": {"operationId": "receive_webhook", "message": {"oneOf": webhook_messages}},
    }
    schemas = converter.to_dict().get("components", {}).get("schemas", {})
    return _numbers_as_numbers({
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:county-logistics:events",
        "info": {"title": "County logistics service center events", "version": version,
                 "description": "Every event of the suite, on AMQP (nameko event exchanges) and as webhooks."},
        "defaultContentType": "application/json",
        "servers": {
            "amqp": {"url": "{host}:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
                     "description": "the suite's RabbitMQ", "variables": {"host": {"default": "localhost"}}},
            "webhooks": {"url": "{receiver}", "protocol": "https",
                         "description": "your receiver, registered as a subscription",
                         "variables": {"receiver": {"default": "https://receiver.example/hook"}}},
        },
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
    })
