"""The register of units (单位名录): every signed-in role reads it (names are not secret, so a unit
user reads all of them); the administrator keeps it (docs/units.md)."""
import base64

from werkzeug.wrappers import Response

from gateway.report import render
from gateway.routes import routes, sheet_upload
from services.directory import contract as directory

TAG = "units"
READERS, WRITERS = directory.READERS, directory.WRITERS
SHEET_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "the register as .xlsx"}}}}}}


@routes.get("/api/v1/units", READERS, tag=TAG, query=directory.UnitQuery, response=directory.Unit, many=True,
            summary="List units: by kind, parent or status; q finds a code, a name or pinyin initials")
def list_units(call):
    return call.rpc("directory", "list_units", call.query())


@routes.post("/api/v1/units", WRITERS, tag=TAG, body=directory.UnitCreate, response=directory.Unit, status=201,
             summary="Register a unit (a duplicate code or full name is 409; an unknown parent or a cycle 422)")
def create_unit(call):
    return 201, call.rpc("directory", "create_unit", call.json())


@routes.get("/api/v1/units/export", READERS, tag=TAG, query=directory.UnitFilter,
            extra={"other_content": {render.XLSX: {"type": "string", "format": "binary"}}},
            summary="The register as an .xlsx sheet (the same filters as the list)")
def export_units(call):
    result = call.rpc("directory", "export_units", call.query())
    return Response(base64.b64decode(result["content_base64"]), mimetype=result["content_type"],
                    headers={"Content-Disposition": f'attachment; filename="{result["filename"]}"'})


@routes.post("/api/v1/units/import", WRITERS, tag=TAG, response=directory.ImportReport,
             extra={"request_body": SHEET_UPLOAD},
             summary="Import the register from an .xlsx sheet: all rows or none (422 units.import_rejected "
                     "naming rows.<row>.<field>)")
def import_units(call):
    return call.rpc("directory", "import_units", sheet_upload(call))


@routes.get("/api/v1/units/<code>", READERS, tag=TAG, response=directory.Unit, summary="Read one unit")
def get_unit(call):
    return call.rpc("directory", "get_unit", call.args["code"])


@routes.patch("/api/v1/units/<code>", WRITERS, tag=TAG, body=directory.UnitUpdate, response=directory.Unit,
              summary="Change a unit's names, kind, parent, staffing or address, or abolish it (撤销)")
def update_unit(call):
    return call.rpc("directory", "update_unit", call.args["code"], call.json())


@routes.post("/api/v1/units/<code>/merge", WRITERS, tag=TAG, body=directory.MergeRequest,
             response=directory.UnitMerge, status=201,
             summary="Merge a unit into its successor from a date (机构改革); its records keep its code")
def merge_unit(call):
    return 201, call.rpc("directory", "merge_unit", call.args["code"], call.json())


@routes.get("/api/v1/units/<code>/history", READERS, tag=TAG, response=directory.UnitHistory,
            summary="What a unit became, which units became it, and the codes reports roll up into it")
def unit_history(call):
    return call.rpc("directory", "unit_history", call.args["code"])
