"""RPC of the admin's allow-list of internal hosts a webhook URL may name."""
from __future__ import annotations

from sqlalchemy import select

from services.integrations import contract
from services.integrations.base import IntegrationsBase
from services.integrations.models import AllowedHost
from services.kit.db import get_or_404
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict
from services.kit.schemas import load

host_out = contract.AllowedHost()


class HostsRpc(IntegrationsBase):
    @rpc
    def allow_host(self, payload):
        caller = self._admin()
        data = load(contract.AllowedHostCreate(), payload)
        host = data["host"].lower().strip("[]")
        if self.db.session.scalar(select(AllowedHost.id).where(AllowedHost.host == host)):
            raise Conflict(f"{host} is already allowed", {"host": ["already allowed"]})
        row = AllowedHost(host=host, created_by=caller.name)
        self.db.session.add(row)
        self.db.audit("allow", row)
        self.db.session.flush()
        return host_out.dump(row)

    @rpc(reads_only=True)
    def list_allowed_hosts(self, query=None):
        self._admin()
        params = load(contract.PageQuery(), query or {})
        return self._page(select(AllowedHost).order_by(AllowedHost.id), params, host_out.dump)

    @rpc
    def remove_allowed_host(self, host_id):
        self._admin()
        row = get_or_404(self.db.session, AllowedHost, int(host_id), "allowed host")
        removed = host_out.dump(row)
        self.db.audit("remove", row, changes={"host": [row.host, None], "created_by": [row.created_by, None]})
        self.db.session.delete(row)
        return removed
