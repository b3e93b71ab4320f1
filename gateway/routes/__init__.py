"""The gateway's routes, one module per area, all on one table.

Each route is a role check (the coarse gate of API.md) and one RPC; the services
check the caller again and scope a unit user to its own unit.
"""
import base64

from gateway.http import BodyTooLarge, Routes
from services.kit.errors import Invalid

routes = Routes()



def sheet_upload(call) -> dict:
    """The sheet sent as multipart/form-data in the field ``file``, bounded by the API's body
    limit, as a service's import RPC takes it: ``{filename, content_base64}``."""
    request = call.request
    if request.content_length and request.content_length > call.app.max_body_bytes:
        raise BodyTooLarge()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("send the sheet as multipart/form-data in the field 'file'", {"file": ["missing"]})
    content = upload.stream.read(call.app.max_body_bytes + 1)
    if len(content) > call.app.max_body_bytes:
        raise BodyTooLarge()
    return {"filename": upload.filename, "content_base64": base64.b64encode(content).decode("ascii")}


def optional_json(call) -> dict:
    """The body of an action whose fields are all optional: none at all is ``{}``; one that is
    sent is a JSON object like any other (``null`` or a list is not "no body": 400)."""
    if not call.request.get_data(cache=True):
        return {}
    body = call.json()
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object", {"_body": ["expected a JSON object"]})
    return body
