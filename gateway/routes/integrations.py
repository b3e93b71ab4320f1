"""Integrations: other departments' systems as clients, their webhook subscriptions,
the delivery log and replay, the allow-list of internal hosts, and the events catalogue
(AsyncAPI) beside the OpenAPI document."""
from gateway.asyncapi import build_asyncapi
from gateway.routes import routes
from services.integrations import contract as integrations
from services.kit.schemas import PageQuery

ADMIN = integrations.ADMINS
TAG = "integrations-admin"
BASE = "/api/v1/integrations"


# a subscription's URL is resolved and checked before it is kept: a slow name server must not turn
# the refusal (422) into a timeout
CHECKING_SECONDS = 10.0

@routes.get("/api/v1/asyncapi.json", None, summary="The events catalogue: every event as an AsyncAPI document",
            tag="docs")
def asyncapi_document(call):
    return build_asyncapi()


# other departments' systems, and the receivers' URLs they subscribe to event types

@routes.get(f"{BASE}/clients", integrations.ADMINS, summary="List clients", tag=TAG, query=integrations.ClientQuery,
            response=integrations.Client, many=True)
def list_clients(call):
    return call.rpc("integrations", "list_clients", call.query())


@routes.post(f"{BASE}/clients", integrations.ADMINS, summary="Register a client", tag=TAG, body=integrations.ClientCreate,
             response=integrations.Client, status=201)
def create_client(call):
    return 201, call.rpc("integrations", "create_client", call.json())


@routes.get(f"{BASE}/clients/<int:item_id>", integrations.ADMINS, summary="Read one client", tag=TAG, response=integrations.Client)
def get_client(call):
    return call.rpc("integrations", "get_client", call.args["item_id"])


@routes.get(f"{BASE}/subscriptions", integrations.ADMINS, summary="List subscriptions", tag=TAG, query=integrations.SubscriptionQuery,
            response=integrations.Subscription, many=True)
def list_subscriptions(call):
    return call.rpc("integrations", "list_subscriptions", call.query())


@routes.post(f"{BASE}/subscriptions", integrations.ADMINS, summary="Register a subscription", tag=TAG,
             body=integrations.SubscriptionCreate, response=integrations.Subscription, status=201)
def create_subscription(call):
    return 201, call.rpc("integrations", "create_subscription", call.json(), timeout=CHECKING_SECONDS)


@routes.get(f"{BASE}/subscriptions/<int:item_id>", integrations.ADMINS, summary="Read one subscription", tag=TAG,
            response=integrations.Subscription)
def get_subscription(call):
    return call.rpc("integrations", "get_subscription", call.args["item_id"])


@routes.patch(f"{BASE}/subscriptions/<int:subscription_id>", integrations.ADMINS, tag=TAG, body=integrations.SubscriptionUpdate,
              response=integrations.Subscription,
              summary="Change a subscription; status active resumes a paused one, disabled stops it")
def update_subscription(call):
    return call.rpc("integrations", "update_subscription", call.args["subscription_id"], call.json(),
                    timeout=CHECKING_SECONDS)


@routes.get(f"{BASE}/deliveries", integrations.ADMINS, tag=TAG, query=integrations.DeliveryQuery, response=integrations.Delivery,
            many=True,
            summary="The delivery log (of one subscription with subscription_id), each attempt's status code")
def list_deliveries(call):
    return call.rpc("integrations", "list_deliveries", call.query())


@routes.post(f"{BASE}/subscriptions/<int:subscription_id>/replay", integrations.ADMINS, tag=TAG, body=integrations.ReplayRange,
             response=integrations.Replayed, status=202,
             summary="Send again every wanted event that occurred in [since, until)")
def replay_deliveries(call):
    return 202, call.rpc("integrations", "replay_deliveries", call.args["subscription_id"], call.json())


@routes.get(f"{BASE}/deliveries/<int:delivery_id>", integrations.ADMINS, tag=TAG, response=integrations.Delivery,
            summary="Read one delivery with its attempts")
def get_delivery(call):
    return call.rpc("integrations", "get_delivery", call.args["delivery_id"])


@routes.post(f"{BASE}/deliveries/<int:delivery_id>/replay", integrations.ADMINS, tag=TAG, response=integrations.Delivery,
             status=202, summary="Send one delivery's event again")
def replay_delivery(call):
    return 202, call.rpc("integrations", "replay_delivery", call.args["delivery_id"])


@routes.post(f"{BASE}/allowed-hosts", integrations.ADMINS, tag=TAG, body=integrations.AllowedHostCreate,
             response=integrations.AllowedHost, status=201,
             summary="Allow webhooks to a host that resolves to a loopback or private address")
def allow_host(call):
    return 201, call.rpc("integrations", "allow_host", call.json())


@routes.get(f"{BASE}/allowed-hosts", integrations.ADMINS, tag=TAG, query=PageQuery, response=integrations.AllowedHost,
            many=True, summary="List the hosts allowed although internal")
def list_allowed_hosts(call):
    return call.rpc("integrations", "list_allowed_hosts", call.query())


@routes.delete(f"{BASE}/allowed-hosts/<int:host_id>", integrations.ADMINS, tag=TAG, response=integrations.AllowedHost,
               summary="Withdraw a host from the allow-list")
def remove_allowed_host(call):
    return call.rpc("integrations", "remove_allowed_host", call.args["host_id"])
