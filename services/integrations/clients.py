"""RPC of the clients: other departments' systems that subscribe to the suite's events."""
from __future__ import annotations

from sqlalchemy import select

from services.integrations import contract
from services.integrations.base import IntegrationsBase
from services.integrations.models import Client
from services.kit.crypto import mask_phone
from services.kit.db import get_or_404
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict
from services.kit.schemas import load

client_out = contract.Client()


class ClientsRpc(IntegrationsBase):
    @rpc
    def create_client(self, payload):
        caller = self._admin()
        data = load(contract.ClientCreate(), payload)
        if self.db.session.scalar(select(Client.id).where(Client.name == data["name"])):
            raise Conflict(f"a client named {data['name']} is already registered", {"name": ["already registered"]})
        client = Client(**data, created_by=caller.name)
        self.db.session.add(client)
        self.db.audit("create", client)
        self.db.session.flush()
        return client_out.dump(client)

    @rpc(reads_only=True)
    def list_clients(self, query=None):
        self._admin()
        params = load(contract.ClientQuery(), query or {})
        return self._page(select(Client).order_by(Client.id), params, _masked)

    @rpc(reads_only=True)
    def get_client(self, client_id, full_phone=True):
        """One client, with the contact's full phone number unless ``full_phone`` is false (the
        gateway's check that a client exists); who read a full number is in the trail."""
        self._admin()
        client = get_or_404(self.db.session, Client, int(client_id), "client")
        if full_phone is not True:
            return _masked(client)
        if client.contact_phone:
            self.db.record("read_phone", "client", client.id)
        return client_out.dump(client)


def _masked(client) -> dict:
    """A client as a list shows it: the contact's phone number masked."""
    return {**client_out.dump(client), "contact_phone": mask_phone(client.contact_phone)}
