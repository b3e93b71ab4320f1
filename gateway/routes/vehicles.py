"""Official vehicles (公务用车): register, drivers, dispatch, GPS monitoring, upkeep, figures.

A unit user requests cars and reads its own fleet (the cars under its quota, their trips, fuel,
upkeep and flags, its own figures and its own free cars); the dispatcher runs the rest; a leader
reads. The GPS/Beidou platform pushes trips with an API key created with
the role ``dispatcher`` (the key acts as the dispatcher's system; it needs no other power
than pushing trips, and no other role is meant for it).
"""
import base64

from werkzeug.wrappers import Response

from gateway.report import render
from gateway.routes import optional_json, routes
from services.kit.schemas import PageQuery
from services.vehicles import contract as vehicles

TAG = "vehicles"


# register --------------------------------------------------------------------------------
# The fixed paths below are registered before the resource's ``<int:item_id>``; werkzeug's
# int converter keeps them apart anyway.
@routes.get("/api/v1/vehicles/available", vehicles.FLEET_READERS,
            summary="Vehicles free over an interval with enough seats, best fit first", tag=TAG,
            query=vehicles.AvailableQuery, response=vehicles.AvailableVehicles)
def available_vehicles(call):
    return call.rpc("vehicles", "available_vehicles", call.query())


@routes.get("/api/v1/vehicles/stats", vehicles.FLEET_READERS,
            summary="Dispatches, mileage, fuel and cost by vehicle and unit; flags", tag=TAG, query=vehicles.StatsQuery,
            response=vehicles.Stats)
def vehicle_stats(call):
    return call.rpc("vehicles", "vehicle_stats", call.query())


@routes.get("/api/v1/vehicles/report", vehicles.STAFF, summary="The annual vehicle report (JSON, or .xlsx with format=xlsx)",
            tag=TAG, query=vehicles.ReportQuery, response=vehicles.AnnualReport,
            extra={"other_content": {render.XLSX: {"type": "string", "format": "binary"}}})
def vehicle_report(call):
    result = call.rpc("vehicles", "vehicle_report", call.query())
    if "content_base64" not in result:
        return result
    return Response(base64.b64decode(result["content_base64"]), mimetype=result["content_type"],
                    headers={"Content-Disposition": f'attachment; filename="{result["filename"]}"'})


@routes.get("/api/v1/vehicles/reminders", vehicles.FLEET_READERS,
            summary="Service, insurance and inspection due soon or overdue", tag=TAG, query=vehicles.ReminderQuery,
            response=vehicles.Reminder, many=True)
def list_reminders(call):
    return call.rpc("vehicles", "list_reminders", call.query())


@routes.get("/api/v1/vehicles", vehicles.FLEET_READERS, summary="List vehicles", tag=TAG, query=vehicles.VehicleQuery,
            response=vehicles.Vehicle, many=True)
def list_vehicles(call):
    return call.rpc("vehicles", "list_vehicles", call.query())


@routes.post("/api/v1/vehicles", vehicles.DISPATCHERS, summary="Register a vehicle", tag=TAG, body=vehicles.VehicleCreate,
             response=vehicles.Vehicle, status=201)
def create_vehicle(call):
    return 201, call.rpc("vehicles", "create_vehicle", call.json())


@routes.get("/api/v1/vehicles/<int:item_id>", vehicles.FLEET_READERS, summary="Read one vehicle", tag=TAG,
            response=vehicles.Vehicle)
def get_vehicle(call):
    return call.rpc("vehicles", "get_vehicle", call.args["item_id"])


@routes.patch("/api/v1/vehicles/<int:item_id>", vehicles.DISPATCHERS,
              summary="Change a vehicle; status changes and odometer corrections are audited (reason)",
              tag=TAG, body=vehicles.VehicleUpdate, response=vehicles.Vehicle)
def update_vehicle(call):
    return call.rpc("vehicles", "update_vehicle", call.args["item_id"], call.json())


@routes.get("/api/v1/vehicles/<int:item_id>/history", vehicles.FLEET_READERS, summary="Status changes and odometer corrections",
            tag=TAG, response=vehicles.VehicleHistory)
def vehicle_history(call):
    return call.rpc("vehicles", "vehicle_history", call.args["item_id"])


@routes.post("/api/v1/vehicles/<int:item_id>/services", vehicles.DISPATCHERS, summary="Record a service or repair",
             tag=TAG, body=vehicles.ServiceRecordCreate, response=vehicles.ServiceRecord, status=201)
def add_service_record(call):
    return call.rpc("vehicles", "add_service_record", call.args["item_id"], call.json())


@routes.get("/api/v1/vehicles/<int:item_id>/services", vehicles.FLEET_READERS, summary="A vehicle's service records",
            tag=TAG, query=PageQuery, response=vehicles.ServiceRecordPage)
def list_service_records(call):
    return call.rpc("vehicles", "list_service_records", call.args["item_id"], call.query())


@routes.post("/api/v1/vehicles/<int:item_id>/disposal", vehicles.DISPATCHERS,
             summary="Dispose of a vehicle (auction, take-back, scrap); frees its quota slot",
             tag=TAG, body=vehicles.DisposalCreate, response=vehicles.Disposal, status=201)
def dispose_vehicle(call):
    return call.rpc("vehicles", "dispose_vehicle", call.args["item_id"], call.json())


@routes.post("/api/v1/vehicle-quotas", vehicles.DISPATCHERS, summary="Set a unit's vehicle quota slots (编制)",
             tag=TAG, body=vehicles.QuotaSet, response=vehicles.Quota)
def set_quota(call):
    return call.rpc("vehicles", "set_quota", call.json())


@routes.get("/api/v1/vehicle-quotas", vehicles.FLEET_READERS, summary="Units' quota slots, occupied and free",
            tag=TAG, query=vehicles.QuotaQuery, response=vehicles.Quota, many=True)
def list_quotas(call):
    return call.rpc("vehicles", "list_quotas", call.query())


# drivers ---------------------------------------------------------------------------------
@routes.get("/api/v1/drivers", vehicles.STAFF, summary="List drivers", tag=TAG, query=vehicles.DriverQuery,
            response=vehicles.Driver, many=True)
def list_drivers(call):
    return call.rpc("vehicles", "list_drivers", call.query())


@routes.post("/api/v1/drivers", vehicles.DISPATCHERS, summary="Register a driver", tag=TAG, body=vehicles.DriverCreate,
             response=vehicles.Driver, status=201)
def create_driver(call):
    return 201, call.rpc("vehicles", "create_driver", call.json())


@routes.get("/api/v1/drivers/<int:item_id>", vehicles.STAFF, summary="Read one driver", tag=TAG, response=vehicles.Driver)
def get_driver(call):
    return call.rpc("vehicles", "get_driver", call.args["item_id"])


@routes.patch("/api/v1/drivers/<int:driver_id>", vehicles.DISPATCHERS, summary="Change a driver's licence or status",
              tag=TAG, body=vehicles.DriverUpdate, response=vehicles.Driver)
def update_driver(call):
    return call.rpc("vehicles", "update_driver", call.args["driver_id"], call.json())


@routes.post("/api/v1/drivers/<int:driver_id>/assessments", vehicles.DISPATCHERS,
             summary="Add a violation or commendation to a driver's ledger (考核奖惩)",
             tag=TAG, body=vehicles.AssessmentCreate, response=vehicles.Assessment, status=201)
def add_assessment(call):
    return call.rpc("vehicles", "add_assessment", call.args["driver_id"], call.json())


@routes.get("/api/v1/drivers/<int:driver_id>/assessments", vehicles.STAFF, summary="A driver's assessment ledger",
            tag=TAG, query=PageQuery, response=vehicles.AssessmentPage)
def list_driver_assessments(call):
    return call.rpc("vehicles", "list_assessments", call.args["driver_id"], call.query())


@routes.post("/api/v1/safety-meetings", vehicles.DISPATCHERS, summary="Record a safety meeting and who attended",
             tag=TAG, body=vehicles.SafetyMeetingCreate, response=vehicles.SafetyMeeting, status=201)
def create_safety_meeting(call):
    return 201, call.rpc("vehicles", "create_safety_meeting", call.json())


@routes.get("/api/v1/safety-meetings", vehicles.STAFF, summary="Safety meetings, latest first",
            tag=TAG, query=PageQuery, response=vehicles.SafetyMeeting, many=True)
def list_safety_meetings(call):
    return call.rpc("vehicles", "list_safety_meetings", call.query())


# dispatch --------------------------------------------------------------------------------
@routes.get("/api/v1/dispatches", vehicles.DISPATCH_READERS, summary="List dispatches", tag=TAG, query=vehicles.DispatchQuery,
            response=vehicles.Dispatch, many=True)
def list_dispatches(call):
    return call.rpc("vehicles", "list_dispatches", call.query())


@routes.post("/api/v1/dispatches", vehicles.REQUESTERS, summary="Register a dispatch", tag=TAG, body=vehicles.DispatchCreate,
             response=vehicles.Dispatch, status=201)
def create_dispatch(call):
    return 201, call.rpc("vehicles", "create_dispatch", call.json())


@routes.get("/api/v1/dispatches/<int:item_id>", vehicles.DISPATCH_READERS, summary="Read one dispatch", tag=TAG,
            response=vehicles.Dispatch)
def get_dispatch(call):
    return call.rpc("vehicles", "get_dispatch", call.args["item_id"])


@routes.post("/api/v1/dispatches/<int:dispatch_id>/approve", vehicles.DISPATCHERS, summary="Approve a requested dispatch", tag=TAG,
             response=vehicles.Dispatch, extra={"body_optional": False})
def approve_dispatch(call):
    return call.rpc("vehicles", "approve_dispatch", call.args["dispatch_id"])


@routes.post("/api/v1/dispatches/<int:dispatch_id>/reject", vehicles.DISPATCHERS,
             summary="Reject a requested dispatch with a reason", tag=TAG, body=vehicles.DispatchReject,
             response=vehicles.Dispatch, extra={"body_optional": False})
def reject_dispatch(call):
    return call.rpc("vehicles", "reject_dispatch", call.args["dispatch_id"], call.json())


@routes.post("/api/v1/dispatches/<int:dispatch_id>/assign", vehicles.DISPATCHERS,
             summary="Assign a vehicle and a driver (409 on a double booking)", tag=TAG, body=vehicles.DispatchAssign,
             response=vehicles.Dispatch, extra={"body_optional": False})
def assign_dispatch(call):
    return call.rpc("vehicles", "assign_dispatch", call.args["dispatch_id"], call.json())


@routes.post("/api/v1/dispatches/<int:dispatch_id>/depart", vehicles.DISPATCHERS, summary="The car left (body optional)", tag=TAG,
             body=vehicles.DispatchDepart, response=vehicles.Dispatch, extra={"body_optional": True})
def depart_dispatch(call):
    return call.rpc("vehicles", "depart_dispatch", call.args["dispatch_id"], optional_json(call))


@routes.post("/api/v1/dispatches/<int:dispatch_id>/return", vehicles.DISPATCHERS,
             summary="The car is back: odometer, fuel, tolls, cost", tag=TAG, body=vehicles.DispatchReturn,
             response=vehicles.Dispatch, extra={"body_optional": False})
def return_dispatch(call):
    return call.rpc("vehicles", "return_dispatch", call.args["dispatch_id"], call.json())


@routes.post("/api/v1/dispatches/<int:dispatch_id>/close", vehicles.DISPATCHERS, summary="Close a returned dispatch", tag=TAG,
             response=vehicles.Dispatch, extra={"body_optional": False})
def close_dispatch(call):
    return call.rpc("vehicles", "close_dispatch", call.args["dispatch_id"])


@routes.post("/api/v1/dispatches/<int:dispatch_id>/cancel", vehicles.REQUESTERS,
             summary="Cancel before departure (body optional)", tag=TAG, body=vehicles.DispatchCancel,
             response=vehicles.Dispatch, extra={"body_optional": True})
def cancel_dispatch(call):
    return call.rpc("vehicles", "cancel_dispatch", call.args["dispatch_id"], optional_json(call))


# GPS and flags ---------------------------------------------------------------------------
@routes.post("/api/v1/gps/trips", vehicles.DISPATCHERS,
             summary="The GPS platform pushes a batch of trips (API key with role dispatcher); idempotent by trip_id",
             tag=TAG, body=vehicles.GpsBatch, response=vehicles.GpsBatchResult)
def record_gps_trips(call):
    return call.rpc("vehicles", "record_gps_trips", call.json())


@routes.get("/api/v1/gps/trips", vehicles.FLEET_READERS, summary="Trips received from the GPS platform",
            tag=TAG, query=vehicles.GpsTripQuery, response=vehicles.GpsTrip, many=True)
def list_gps_trips(call):
    return call.rpc("vehicles", "list_gps_trips", call.query())


@routes.get("/api/v1/vehicle-flags", vehicles.FLEET_READERS,
            summary="Flags (无任务出车, sealed vehicle moved, vendor, odometer, fuel)", tag=TAG, query=vehicles.FlagQuery,
            response=vehicles.VehicleFlag, many=True)
def list_vehicle_flags(call):
    return call.rpc("vehicles", "list_vehicle_flags", call.query())


@routes.get("/api/v1/vehicle-flags/<int:flag_id>", vehicles.FLEET_READERS, summary="Read one flag",
            tag=TAG, response=vehicles.VehicleFlag)
def get_vehicle_flag(call):
    return call.rpc("vehicles", "get_vehicle_flag", call.args["flag_id"])


@routes.post("/api/v1/vehicle-flags/<int:flag_id>/explain", vehicles.FLAG_EXPLAINERS,
             summary="The unit explains a flag", tag=TAG, body=vehicles.FlagExplain, response=vehicles.VehicleFlag)
def explain_vehicle_flag(call):
    return call.rpc("vehicles", "explain_vehicle_flag", call.args["flag_id"], call.json())


@routes.post("/api/v1/vehicle-flags/<int:flag_id>/resolve", vehicles.DISPATCHERS,
             summary="The dispatcher resolves a flag or confirms a violation", tag=TAG, body=vehicles.FlagResolve,
             response=vehicles.VehicleFlag)
def resolve_vehicle_flag(call):
    return call.rpc("vehicles", "resolve_vehicle_flag", call.args["flag_id"], call.json())


# vendors and fuel ------------------------------------------------------------------------
@routes.get("/api/v1/vendors", vehicles.STAFF, summary="List vendors", tag=TAG, query=vehicles.VendorQuery,
            response=vehicles.Vendor, many=True)
def list_vendors(call):
    return call.rpc("vehicles", "list_vendors", call.query())


@routes.post("/api/v1/vendors", vehicles.DISPATCHERS, summary="Register a vendor", tag=TAG, body=vehicles.VendorCreate,
             response=vehicles.Vendor, status=201)
def create_vendor(call):
    return 201, call.rpc("vehicles", "create_vendor", call.json())


@routes.get("/api/v1/vendors/<int:item_id>", vehicles.STAFF, summary="Read one vendor", tag=TAG, response=vehicles.Vendor)
def get_vendor(call):
    return call.rpc("vehicles", "get_vendor", call.args["item_id"])


@routes.patch("/api/v1/vendors/<int:vendor_id>", vehicles.DISPATCHERS, summary="Designate a vendor or withdraw it",
              tag=TAG, body=vehicles.VendorUpdate, response=vehicles.Vendor)
def update_vendor(call):
    return call.rpc("vehicles", "update_vendor", call.args["vendor_id"], call.json())


@routes.post("/api/v1/fuel-transactions", vehicles.DISPATCHERS,
             summary="Record a fuel or charging transaction (flags what is implausible)", tag=TAG,
             body=vehicles.FuelTransactionCreate, response=vehicles.FuelTransaction, status=201)
def create_fuel_transaction(call):
    return call.rpc("vehicles", "create_fuel_transaction", call.json())


@routes.get("/api/v1/fuel-transactions", vehicles.FLEET_READERS, summary="The fuel card ledger",
            tag=TAG, query=vehicles.FuelQuery, response=vehicles.FuelTransaction, many=True)
def list_fuel_transactions(call):
    return call.rpc("vehicles", "list_fuel_transactions", call.query())
