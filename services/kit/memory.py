"""One fix so nameko RPC works on kombu's in-memory transport (``memory://``).

nameko's reply path reads ``content_type`` from the request's message properties;
the in-memory transport keeps it on the message itself. The patch copies it across
before the reply is sent, and changes nothing when the property is already there.
"""
from nameko.rpc import Responder


def patch_nameko_for_memory_transport() -> None:
    original = Responder.send_response
    if getattr(original, "copies_content_type", False):
        return

    def send_response(self, result, exc_info):
        self.message.properties.setdefault("content_type", self.message.content_type)
        return original(self, result, exc_info)

    send_response.copies_content_type = True
    Responder.send_response = send_response
