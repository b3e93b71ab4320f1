"""Two settings so nameko RPC works well on kombu's in-memory transport (``memory://``).

nameko's reply path reads ``content_type`` from the request's message properties;
the in-memory transport keeps it on the message itself. The patch copies it across
before the reply is sent, and changes nothing when the property is already there.
The transport also polls its queues once a second by default, which would add up to
a second to every hop; it polls every 5 ms here instead.
"""
from kombu.transport import memory
from nameko.rpc import Responder

MEMORY_POLLING_INTERVAL = 0.005


def patch_nameko_for_memory_transport() -> None:
    memory.Transport.polling_interval = MEMORY_POLLING_INTERVAL
    original = Responder.send_response
    if getattr(original, "copies_content_type", False):
        return

    def send_response(self, result, exc_info):
        self.message.properties.setdefault("content_type", self.message.content_type)
        return original(self, result, exc_info)

    send_response.copies_content_type = True
    Responder.send_response = send_response
