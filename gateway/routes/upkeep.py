"""Equipment upkeep (设备设施维保): the register, certificates, meters, purchases (更新添置),
maintenance plans and the work orders generated from them (docs/equipment.md)."""
from gateway.routes import routes
from gateway.routes.facilities import _route as route, technician_checked
from gateway.routes.resource import Resource
from services.facilities import contract as facilities

TAG = "equipment"
READERS, MANAGE = facilities.EQUIPMENT_READERS, facilities.EQUIPMENT_MANAGERS
WORKERS, FIGURE_READERS = facilities.UPKEEP_WORKERS, facilities.UPKEEP_FIGURE_READERS

Resource("/api/v1/equipment", "facilities", "equipment", "equipment", TAG, READERS, MANAGE,
         facilities.EquipmentCreate, facilities.Equipment, facilities.EquipmentQuery).register(routes)
Resource("/api/v1/maintenance-plans", "facilities", "maintenance_plan", "maintenance_plans", TAG, READERS, MANAGE,
         facilities.MaintenancePlanCreate, facilities.MaintenancePlan, facilities.MaintenancePlanQuery).register(routes)

route("get", "/api/v1/equipment/stats", FIGURE_READERS, "equipment_stats",
      "Upkeep figures for a period: orders due, done on time, overdue; plans overdue; certificates valid; purchases",
      query=facilities.PeriodQuery, response=facilities.EquipmentStats, tag=TAG)
route("post", "/api/v1/equipment/<int:equipment_id>/certificates", MANAGE, "add_certificate",
      "Record a certificate (its inspection then falls due when it ends)", "equipment_id",
      body=facilities.CertificateCreate, response=facilities.Certificate, status=201, tag=TAG)
route("get", "/api/v1/certificates", READERS, "list_certificates",
      "List certificates (expiring=true: valid still and ending within the warning days)",
      query=facilities.CertificateQuery, response=facilities.Certificate, many=True, tag=TAG)
route("post", "/api/v1/equipment/<int:equipment_id>/meter-readings", WORKERS, "record_meter_reading",
      "Read the run-hour meter (never below the last reading)", "equipment_id", body=facilities.MeterReadingCreate,
      response=facilities.MeterReading, status=201, tag=TAG)
route("get", "/api/v1/equipment/<int:equipment_id>/meter-readings", READERS, "list_meter_readings",
      "The meter readings, newest first", "equipment_id", query=facilities.OccupantQuery,
      response=facilities.MeterReading, many=True, tag=TAG)
route("get", "/api/v1/equipment-purchases", READERS, "list_equipment_purchases",
      "Equipment bought or replaced (更新添置)", query=facilities.PurchaseQuery, response=facilities.Purchase,
      many=True, tag=TAG)
route("post", "/api/v1/equipment-purchases", MANAGE, "create_equipment_purchase",
      "Record a purchase with its cost; replaces_id retires the old equipment and stops its plans",
      body=facilities.PurchaseCreate, response=facilities.Purchase, status=201, tag=TAG)

# work orders
route("get", "/api/v1/work-orders", READERS, "list_work_orders",
      "List maintenance work orders (a technician sees their own; overdue=true: past due and not done)",
      query=facilities.WorkOrderQuery, response=facilities.WorkOrder, many=True, tag=TAG)
route("get", "/api/v1/work-orders/<int:order_id>", READERS, "get_work_order", "Read one work order", "order_id",
      response=facilities.WorkOrder, tag=TAG)
route("post", "/api/v1/work-orders/generate", MANAGE, "generate_work_orders",
      "Generate the orders of the plans falling due within the lead days now (a timer does it too; never twice)",
      response=facilities.GenerationReport, tag=TAG)
route("post", "/api/v1/work-orders/<int:order_id>/start", WORKERS, "start_work_order", "Start the work",
      "order_id", response=facilities.WorkOrder, tag=TAG)
route("post", "/api/v1/work-orders/<int:order_id>/complete", WORKERS, "complete_work_order",
      "Report the work done: every checklist item ticked or measured; findings open repairs", "order_id",
      body=facilities.WorkOrderComplete, body_optional=True, response=facilities.WorkOrder, tag=TAG)


@routes.post("/api/v1/work-orders/<int:order_id>/assign", MANAGE, summary="Assign a technician", tag=TAG,
             body=facilities.WorkOrderAssign, response=facilities.WorkOrder)
def assign_work_order(call):
    return call.rpc("facilities", "assign_work_order", call.args["order_id"], technician_checked(call))
