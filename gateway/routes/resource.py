from __future__ import annotations

from dataclasses import dataclass

from gateway.http import Routes


@dataclass(frozen=True)
class Resource:
    """A collection served by one service: list, create and read one, each one RPC
    named ``list_<plural>``, ``create_<singular>`` (or ``create_method``), ``get_<singular>``."""

    path: str
    service: str
    singular: str
    plural: str
    tag: str
    readers: tuple
    writers: tuple
    create: type
    out: type
    query: type
    create_method: str = ""

    def register(self, routes: Routes) -> None:
        create_method = self.create_method or f"create_{self.singular}"

        def list_items(call):
            return call.rpc(self.service, f"list_{self.plural}", call.query())

        def create_item(call):
            return 201, call.rpc(self.service, create_method, call.json())

        def get_item(call):
            return call.rpc(self.service, f"get_{self.singular}", call.args["item_id"])

        for handler, verb in ((list_items, "list"), (create_item, "create"), (get_item, "get")):
            handler.__name__ = f"{verb}_{self.plural if verb == 'list' else self.singular}"
        label = self.singular.replace("_", " ")
        routes.get(self.path, self.readers, summary=f"List {self.plural.replace('_', ' ')}", tag=self.tag,
                   query=self.query, response=self.out, many=True)(list_items)
        routes.post(self.path, self.writers, summary=f"Register a {label}", tag=self.tag,
                    body=self.create, response=self.out, status=201)(create_item)
        routes.get(f"{self.path}/<int:item_id>", self.readers, summary=f"Read one {label}", tag=self.tag,
                   response=self.out)(get_item)
