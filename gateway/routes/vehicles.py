"""Official vehicles (公务用车): register, drivers, dispatch, GPS monitoring, upkeep, figures.

A unit user requests cars and reads its own fleet (the cars under its quota, their trips, fuel,
upkeep and flags, its own figures and its own free cars); the dispatcher runs the rest; a leader
reads. The GPS/Beidou platform pushes trips with an API key created with
the role ``dispatcher`` (the key acts as the dispatcher's system; it needs no other power
than pushing trips, and no other role is meant for it).
"""
import base64

from werkzeug.wrappers import Response

from gateway import report_render
from gateway.routes import FLEET_READERS, optional_json, routes
from gateway.routes.resource import Resource
from services.kit.schemas import PageQuery
from services.vehicles import contract as vehicles

DISPATCH = ("dispatcher",)
STAFF = ("dispatcher", "leader")
REQUESTERS = ("dispatcher", "unit_user", "reception_officer")
DISPATCH_READERS = FLEET_READERS + ("reception_officer",)
TAG = "vehicles"


# register --------------------------------------------------------------------------------
# The fixed paths below are registered before the resource's ``<int:item_id>``; werkzeug's
# int converter keeps them apart anyway.
@routes.get("/api/v1/vehicles/available", FLEET_READERS, summary="Vehicles free over an interval with enough seats, best fit first",
            tag=TAG, query=vehicles.AvailableQuery, response=vehicles.AvailableVehicles)
def available_vehicles(call):
    return call.rpc("vehicles", "available_vehicles", call.query())


@routes.get("/api/v1/vehicles/stats", FLEET_READERS, summary="Dispatches, mileage, fuel and cost by vehicle and unit; flags",
            tag=TAG, query=vehicles.StatsQuery, response=vehicles.Stats)
def vehicle_stats(call):
    return call.rpc("vehicles", "vehicle_stats", call.query())


@routes.get("/api/v1/vehicles/report", STAFF, summary="The annual vehicle report (JSON, or .xlsx with format=xlsx)",
            tag=TAG, query=vehicles.ReportQuery, response=vehicles.AnnualReport,
            extra={"other_content": {report_render.XLSX: {"type": "string", "format": "binary"}}})
def vehicle_report(call):
    result = call.rpc("vehicles", "vehicle_report", call.query())
    if "content_base64" not in result:
        return result
    return Response(base64.b64decode(result["content_base64"]), mimetype=result["content_type"],
                    headers={"Content-Disposition": f'attachment; filename="{result["filename"]}"'})


@routes.get("/api/v1/vehicles/reminders", FLEET_READERS, summary="Service, insurance and inspection due soon or overdue",
            tag=TAG, query=vehicles.ReminderQuery, response=vehicles.Reminder, many=True)
def list_reminders(call):
    return call.rpc("vehicles", "list_reminders", call.query())


Resource("/api/v1/vehicles", "vehicles", "vehicle", "vehicles", TAG, FLEET_READERS, DISPATCH,
         vehicles.VehicleCreate, vehicles.Vehicle, vehicles.VehicleQuery).register(routes)


@routes.patch("/api/v1/vehicles/<int:item_id>", DISPATCH,
              summary="Change a vehicle; status changes and odometer corrections are audited (reason)",
              tag=TAG, body=vehicles.VehicleUpdate, response=vehicles.Vehicle)
def update_vehicle(call):
    return call.rpc("vehicles", "update_vehicle", call.args["item_id"], call.json())


@routes.get("/api/v1/vehicles/<int:item_id>/history", FLEET_READERS, summary="Status changes and odometer corrections",
            tag=TAG, response=vehicles.VehicleHistory)
def vehicle_history(call):
    return call.rpc("vehicles", "vehicle_history", call.args["item_id"])


@routes.post("/api/v1/vehicles/<int:item_id>/services", DISPATCH, summary="Record a service or repair",
             tag=TAG, body=vehicles.ServiceRecordCreate, response=vehicles.ServiceRecord, status=201)
def add_service_record(call):
    return call.rpc("vehicles", "add_service_record", call.args["item_id"], call.json())


@routes.get("/api/v1/vehicles/<int:item_id>/services", FLEET_READERS, summary="A vehicle's service records",
            tag=TAG, query=PageQuery, response=vehicles.ServiceRecordPage)
def list_service_records(call):
    return call.rpc("vehicles", "list_service_records", call.args["item_id"], call.query())


@routes.post("/api/v1/vehicles/<int:item_id>/disposal", DISPATCH,
             summary="Dispose of a vehicle (auction, take-back, scrap); frees its quota slot",
             tag=TAG, body=vehicles.DisposalCreate, response=vehicles.Disposal, status=201)
def dispose_vehicle(call):
    return call.rpc("vehicles", "dispose_vehicle", call.args["item_id"], call.json())


@routes.post("/api/v1/vehicle-quotas", DISPATCH, summary="Set a unit's vehicle quota slots (编制)",
             tag=TAG, body=vehicles.QuotaSet, response=vehicles.Quota)
def set_quota(call):
    return call.rpc("vehicles", "set_quota", call.json())


@routes.get("/api/v1/vehicle-quotas", FLEET_READERS, summary="Units' quota slots, occupied and free",
            tag=TAG, query=vehicles.QuotaQuery, response=vehicles.Quota, many=True)
def list_quotas(call):
    return call.rpc("vehicles", "list_quotas", call.query())


# drivers ---------------------------------------------------------------------------------
Resource("/api/v1/drivers", "vehicles", "driver", "drivers", TAG, STAFF, DISPATCH,
         vehicles.DriverCreate, vehicles.Driver, vehicles.DriverQuery).register(routes)


@routes.patch("/api/v1/drivers/<int:driver_id>", DISPATCH, summary="Change a driver's licence or status",
              tag=TAG, body=vehicles.DriverUpdate, response=vehicles.Driver)
def update_driver(call):
    return call.rpc("vehicles", "update_driver", call.args["driver_id"], call.json())


@routes.post("/api/v1/drivers/<int:driver_id>/assessments", DISPATCH,
             summary="Add a violation or commendation to a driver's ledger (考核奖惩)",
             tag=TAG, body=vehicles.AssessmentCreate, response=vehicles.Assessment, status=201)
def add_assessment(call):
    return call.rpc("vehicles", "add_assessment", call.args["driver_id"], call.json())


@routes.get("/api/v1/drivers/<int:driver_id>/assessments", STAFF, summary="A driver's assessment ledger",
            tag=TAG, query=PageQuery, response=vehicles.AssessmentPage)
def list_driver_assessments(call):
    return call.rpc("vehicles", "list_assessments", call.args["driver_id"], call.query())


@routes.post("/api/v1/safety-meetings", DISPATCH, summary="Record a safety meeting and who attended",
             tag=TAG, body=vehicles.SafetyMeetingCreate, response=vehicles.SafetyMeeting, status=201)
def create_safety_meeting(call):
    return 201, call.rpc("vehicles", "create_safety_meeting", call.json())


@routes.get("/api/v1/safety-meetings", STAFF, summary="Safety meetings, latest first",
            tag=TAG, query=PageQuery, response=vehicles.SafetyMeeting, many=True)
def list_safety_meetings(call):
    return call.rpc("vehicles", "list_safety_meetings", call.query())


# dispatch --------------------------------------------------------------------------------
Resource("/api/v1/dispatches", "vehicles", "dispatch", "dispatches", TAG, DISPATCH_READERS, REQUESTERS,
         vehicles.DispatchCreate, vehicles.Dispatch, vehicles.DispatchQuery).register(routes)


def _action(action: str, roles, summary: str, body=None, optional=False):
    def handler(call):
        args = [call.args["dispatch_id"]]
        if body is not None:
            args.append(optional_json(call) if optional else call.json())
        return call.rpc("vehicles", f"{action}_dispatch", *args)

    handler.__name__ = f"{action}_dispatch"
    routes.post(f"/api/v1/dispatches/<int:dispatch_id>/{action}", roles, summary=summary, tag=TAG, body=body,
                response=vehicles.Dispatch, extra={"body_optional": optional})(handler)


_action("approve", DISPATCH, "Approve a requested dispatch")
_action("reject", DISPATCH, "Reject a requested dispatch with a reason", vehicles.DispatchReject)
_action("assign", DISPATCH, "Assign a vehicle and a driver (409 on a double booking)", vehicles.DispatchAssign)
_action("depart", DISPATCH, "The car left (body optional)", vehicles.DispatchDepart, optional=True)
_action("return", DISPATCH, "The car is back: odometer, fuel, tolls, cost", vehicles.DispatchReturn)
_action("close", DISPATCH, "Close a returned dispatch")
_action("cancel", REQUESTERS, "Cancel before departure (body optional)", vehicles.DispatchCancel, optional=True)


# GPS and flags ---------------------------------------------------------------------------
@routes.post("/api/v1/gps/trips", DISPATCH,
             summary="The GPS platform pushes a batch of trips (API key with role dispatcher); idempotent by trip_id",
             tag=TAG, body=vehicles.GpsBatch, response=vehicles.GpsBatchResult)
def record_gps_trips(call):
    return call.rpc("vehicles", "record_gps_trips", call.json())


@routes.get("/api/v1/gps/trips", FLEET_READERS, summary="Trips received from the GPS platform",
            tag=TAG, query=vehicles.GpsTripQuery, response=vehicles.GpsTrip, many=True)
def list_gps_trips(call):
    return call.rpc("vehicles", "list_gps_trips", call.query())


@routes.get("/api/v1/vehicle-flags", FLEET_READERS, summary="Flags (无任务出车, sealed vehicle moved, vendor, odometer, fuel)",
            tag=TAG, query=vehicles.FlagQuery, response=vehicles.VehicleFlag, many=True)
def list_vehicle_flags(call):
    return call.rpc("vehicles", "list_vehicle_flags", call.query())


@routes.get("/api/v1/vehicle-flags/<int:flag_id>", FLEET_READERS, summary="Read one flag",
            tag=TAG, response=vehicles.VehicleFlag)
def get_vehicle_flag(call):
    return call.rpc("vehicles", "get_vehicle_flag", call.args["flag_id"])


@routes.post("/api/v1/vehicle-flags/<int:flag_id>/explain", ("unit_user",) + DISPATCH,
             summary="The unit explains a flag", tag=TAG, body=vehicles.FlagExplain, response=vehicles.VehicleFlag)
def explain_vehicle_flag(call):
    return call.rpc("vehicles", "explain_vehicle_flag", call.args["flag_id"], call.json())


@routes.post("/api/v1/vehicle-flags/<int:flag_id>/resolve", DISPATCH,
             summary="The dispatcher resolves a flag or confirms a violation", tag=TAG, body=vehicles.FlagResolve,
             response=vehicles.VehicleFlag)
def resolve_vehicle_flag(call):
    return call.rpc("vehicles", "resolve_vehicle_flag", call.args["flag_id"], call.json())


# vendors and fuel ------------------------------------------------------------------------
Resource("/api/v1/vendors", "vehicles", "vendor", "vendors", TAG, STAFF, DISPATCH,
         vehicles.VendorCreate, vehicles.Vendor, vehicles.VendorQuery).register(routes)


@routes.patch("/api/v1/vendors/<int:vendor_id>", DISPATCH, summary="Designate a vendor or withdraw it",
              tag=TAG, body=vehicles.VendorUpdate, response=vehicles.Vendor)
def update_vendor(call):
    return call.rpc("vehicles", "update_vendor", call.args["vendor_id"], call.json())


@routes.post("/api/v1/fuel-transactions", DISPATCH, summary="Record a fuel or charging transaction (flags what is implausible)",
             tag=TAG, body=vehicles.FuelTransactionCreate, response=vehicles.FuelTransaction, status=201)
def create_fuel_transaction(call):
    return call.rpc("vehicles", "create_fuel_transaction", call.json())


@routes.get("/api/v1/fuel-transactions", FLEET_READERS, summary="The fuel card ledger",
            tag=TAG, query=vehicles.FuelQuery, response=vehicles.FuelTransaction, many=True)
def list_fuel_transactions(call):
    return call.rpc("vehicles", "list_fuel_transactions", call.query())
