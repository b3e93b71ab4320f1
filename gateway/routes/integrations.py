"""Integrations: other departments' systems as clients, their webhook subscriptions,
the delivery log and replay, the allow-list of internal hosts, and the events catalogue
(AsyncAPI) beside the OpenAPI document."""
from gateway.asyncapi import build_asyncapi
from gateway.routes import routes
from gateway.routes.resource import Resource
from services.integrations import contract as integrations
from services.kit.schemas import PageQuery

ADMIN = integrations.ADMINS
TAG = "integrations-admin"
BASE = "/api/v1/integrations"


@routes.get("/api/v1/asyncapi.json", None, summary="The events catalogue: every event as an AsyncAPI document",
            tag="docs")
def asyncapi_document(call):
    return build_asyncapi()


# other departments' systems, and the receivers' URLs they subscribe to event types
Resource(f"{BASE}/clients", "integrations", "client", "clients", TAG, ADMIN, ADMIN,
         integrations.ClientCreate, integrations.Client, integrations.ClientQuery).register(routes)
Resource(f"{BASE}/subscriptions", "integrations", "subscription", "subscriptions", TAG, ADMIN, ADMIN,
         integrations.SubscriptionCreate, integrations.Subscription, integrations.SubscriptionQuery).register(routes)


@routes.patch(f"{BASE}/subscriptions/<int:subscription_id>", ADMIN, tag=TAG, body=integrations.SubscriptionUpdate,
              response=integrations.Subscription,
              summary="Change a subscription; status active resumes a paused one, disabled stops it")
def update_subscription(call):
    return call.rpc("integrations", "update_subscription", call.args["subscription_id"], call.json())


@routes.get(f"{BASE}/deliveries", ADMIN, tag=TAG, query=integrations.DeliveryQuery, response=integrations.Delivery,
            many=True, summary="The delivery log (of one subscription with subscription_id), each attempt's status code")
def list_deliveries(call):
    return call.rpc("integrations", "list_deliveries", call.query())


@routes.post(f"{BASE}/subscriptions/<int:subscription_id>/replay", ADMIN, tag=TAG, body=integrations.ReplayRange,
             response=integrations.Replayed, status=202,
             summary="Send again every wanted event that occurred in [since, until)")
def replay_deliveries(call):
    return 202, call.rpc("integrations", "replay_deliveries", call.args["subscription_id"], call.json())


@routes.get(f"{BASE}/deliveries/<int:delivery_id>", ADMIN, tag=TAG, response=integrations.Delivery,
            summary="Read one delivery with its attempts")
def get_delivery(call):
    return call.rpc("integrations", "get_delivery", call.args["delivery_id"])


@routes.post(f"{BASE}/deliveries/<int:delivery_id>/replay", ADMIN, tag=TAG, response=integrations.Delivery,
             status=202, summary="Send one delivery's event again")
def replay_delivery(call):
    return 202, call.rpc("integrations", "replay_delivery", call.args["delivery_id"])


@routes.post(f"{BASE}/allowed-hosts", ADMIN, tag=TAG, body=integrations.AllowedHostCreate,
             response=integrations.AllowedHost, status=201,
             summary="Allow webhooks to a host that resolves to a loopback or private address")
def allow_host(call):
    return 201, call.rpc("integrations", "allow_host", call.json())


@routes.get(f"{BASE}/allowed-hosts", ADMIN, tag=TAG, query=PageQuery, response=integrations.AllowedHost,
            many=True, summary="List the hosts allowed although internal")
def list_allowed_hosts(call):
    return call.rpc("integrations", "list_allowed_hosts", call.query())


@routes.delete(f"{BASE}/allowed-hosts/<int:host_id>", ADMIN, tag=TAG, response=integrations.AllowedHost,
               summary="Withdraw a host from the allow-list")
def remove_allowed_host(call):
    return call.rpc("integrations", "remove_allowed_host", call.args["host_id"])
