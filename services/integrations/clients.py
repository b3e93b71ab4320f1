"""RPC of the clients: other departments' systems that subscribe to the suite's events."""
from __future__ import annotations

from sqlalchemy import select

from services.integrations import contract
from services.integrations.base import IntegrationsBase
from services.integrations.models import Client
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
        self.db.session.flush()
        return client_out.dump(client)

    @rpc(reads_only=True)
    def list_clients(self, query=None):
        self._admin()
        params = load(contract.ClientQuery(), query or {})
        return self._page(select(Client).order_by(Client.id), params, client_out.dump)

    @rpc(reads_only=True)
    def get_client(self, client_id):
        self._admin()
        return client_out.dump(get_or_404(self.db.session, Client, int(client_id), "client"))
