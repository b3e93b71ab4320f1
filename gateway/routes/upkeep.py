"""Equipment upkeep (设备设施维保): the register, certificates, meters, purchases (更新添置),
maintenance plans and the work orders generated from them (docs/equipment.md)."""
from gateway.routes import optional_json, routes
from gateway.routes.facilities import technician_checked
from services.facilities import contract as facilities

TAG = "equipment"
READERS, MANAGE = facilities.EQUIPMENT_READERS, facilities.EQUIPMENT_MANAGERS
WORKERS, FIGURE_READERS = facilities.UPKEEP_WORKERS, facilities.UPKEEP_FIGURE_READERS


@routes.get("/api/v1/equipment", READERS, summary="List equipment", tag=TAG, query=facilities.EquipmentQuery,
            response=facilities.Equipment, many=True)
def list_equipment(call):
    return call.rpc("facilities", "list_equipment", call.query())


@routes.post("/api/v1/equipment", MANAGE, summary="Register a equipment", tag=TAG, body=facilities.EquipmentCreate,
             response=facilities.Equipment, status=201)
def create_equipment(call):
    return 201, call.rpc("facilities", "create_equipment", call.json())


@routes.get("/api/v1/equipment/<int:item_id>", READERS, summary="Read one equipment", tag=TAG, response=facilities.Equipment)
def get_equipment(call):
    return call.rpc("facilities", "get_equipment", call.args["item_id"])


@routes.get("/api/v1/maintenance-plans", READERS, summary="List maintenance plans", tag=TAG, query=facilities.MaintenancePlanQuery,
            response=facilities.MaintenancePlan, many=True)
def list_maintenance_plans(call):
    return call.rpc("facilities", "list_maintenance_plans", call.query())


@routes.post("/api/v1/maintenance-plans", MANAGE, summary="Register a maintenance plan", tag=TAG, body=facilities.MaintenancePlanCreate,
             response=facilities.MaintenancePlan, status=201)
def create_maintenance_plan(call):
    return 201, call.rpc("facilities", "create_maintenance_plan", call.json())


@routes.get("/api/v1/maintenance-plans/<int:item_id>", READERS, summary="Read one maintenance plan", tag=TAG, response=facilities.MaintenancePlan)
def get_maintenance_plan(call):
    return call.rpc("facilities", "get_maintenance_plan", call.args["item_id"])


@routes.get("/api/v1/equipment/stats", FIGURE_READERS, summary="Upkeep figures for a period: orders due, done on time, overdue; plans overdue; certificates valid; purchases", tag=TAG, query=facilities.PeriodQuery, response=facilities.EquipmentStats)
def equipment_stats(call):
    return call.rpc("facilities", "equipment_stats", call.query())


@routes.post("/api/v1/equipment/<int:equipment_id>/certificates", MANAGE, summary="Record a certificate (its inspection then falls due when it ends)", tag=TAG, body=facilities.CertificateCreate, response=facilities.Certificate, status=201)
def add_certificate(call):
    return 201, call.rpc("facilities", "add_certificate", call.args["equipment_id"], call.json())


@routes.get("/api/v1/certificates", READERS, summary="List certificates (expiring=true: valid still and ending within the warning days)", tag=TAG, query=facilities.CertificateQuery, response=facilities.Certificate, many=True)
def list_certificates(call):
    return call.rpc("facilities", "list_certificates", call.query())


@routes.post("/api/v1/equipment/<int:equipment_id>/meter-readings", WORKERS, summary="Read the run-hour meter (never below the last reading)", tag=TAG, body=facilities.MeterReadingCreate, response=facilities.MeterReading, status=201)
def record_meter_reading(call):
    return 201, call.rpc("facilities", "record_meter_reading", call.args["equipment_id"], call.json())


@routes.get("/api/v1/equipment/<int:equipment_id>/meter-readings", READERS, summary="The meter readings, newest first", tag=TAG, query=facilities.OccupantQuery, response=facilities.MeterReading, many=True)
def list_meter_readings(call):
    return call.rpc("facilities", "list_meter_readings", call.args["equipment_id"], call.query())


@routes.get("/api/v1/equipment-purchases", READERS, summary="Equipment bought or replaced (更新添置)", tag=TAG, query=facilities.PurchaseQuery, response=facilities.Purchase, many=True)
def list_equipment_purchases(call):
    return call.rpc("facilities", "list_equipment_purchases", call.query())


@routes.post("/api/v1/equipment-purchases", MANAGE, summary="Record a purchase with its cost; replaces_id retires the old equipment and stops its plans", tag=TAG, body=facilities.PurchaseCreate, response=facilities.Purchase, status=201)
def create_equipment_purchase(call):
    return 201, call.rpc("facilities", "create_equipment_purchase", call.json())


# work orders


@routes.get("/api/v1/work-orders", READERS, summary="List maintenance work orders (a technician sees their own; overdue=true: past due and not done)", tag=TAG, query=facilities.WorkOrderQuery, response=facilities.WorkOrder, many=True)
def list_work_orders(call):
    return call.rpc("facilities", "list_work_orders", call.query())


@routes.get("/api/v1/work-orders/<int:order_id>", READERS, summary="Read one work order", tag=TAG, response=facilities.WorkOrder)
def get_work_order(call):
    return call.rpc("facilities", "get_work_order", call.args["order_id"])


@routes.post("/api/v1/work-orders/generate", MANAGE, summary="Generate the orders of the plans falling due within the lead days now (a timer does it too; never twice)", tag=TAG, response=facilities.GenerationReport)
def generate_work_orders(call):
    return call.rpc("facilities", "generate_work_orders")


@routes.post("/api/v1/work-orders/<int:order_id>/start", WORKERS, summary="Start the work", tag=TAG, response=facilities.WorkOrder)
def start_work_order(call):
    return call.rpc("facilities", "start_work_order", call.args["order_id"])


@routes.post("/api/v1/work-orders/<int:order_id>/complete", WORKERS, summary="Report the work done: every checklist item ticked or measured; findings open repairs", tag=TAG, body=facilities.WorkOrderComplete, response=facilities.WorkOrder, extra={"body_optional": True})
def complete_work_order(call):
    return call.rpc("facilities", "complete_work_order", call.args["order_id"], optional_json(call))


@routes.post("/api/v1/work-orders/<int:order_id>/assign", MANAGE, summary="Assign a technician", tag=TAG,
             body=facilities.WorkOrderAssign, response=facilities.WorkOrder)
def assign_work_order(call):
    return call.rpc("facilities", "assign_work_order", call.args["order_id"], technician_checked(call))
