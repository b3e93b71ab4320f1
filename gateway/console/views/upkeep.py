"""Equipment upkeep: the register with its overdue plans and expiring certificates, and the
maintenance work orders (overdue first) with a technician's checklist."""
from gateway.console.labels import EQUIPMENT_KINDS, PLAN_KINDS
from gateway.console.pages import pages
from gateway.console.views.facilities import technicians
from services.facilities import contract

READERS, MANAGE, WORKERS = contract.EQUIPMENT_READERS, contract.EQUIPMENT_MANAGERS, contract.UPKEEP_WORKERS


@pages.page("/equipment", READERS, menu="设备设施")
def list_equipment(page):
    query = page.query("kind", "building_id")
    result = page.rpc("facilities", "list_equipment", query)
    overdue = page.rpc("facilities", "list_maintenance_plans", {"overdue": True, "limit": 50, "offset": 0})["items"]
    expiring = page.rpc("facilities", "list_certificates", {"expiring": True, "limit": 50, "offset": 0})["items"]
    return page.render("equipment.html", result=result, query=query, overdue=overdue, expiring=expiring,
                       kinds=EQUIPMENT_KINDS, plan_kinds=PLAN_KINDS)


@pages.page("/work-orders", READERS, menu="维保工单")
def list_work_orders(page):
    query = page.query("status")
    overdue, result = page.overdue_first("facilities", "list_work_orders", query)
    may = page.may(manage=MANAGE, work=WORKERS)
    return page.render("work_orders.html", overdue=overdue, result=result, query=query, may=may,
                       statuses=contract.WORK_ORDER_STATUSES, plan_kinds=PLAN_KINDS,
                       technicians=technicians(page) if may["manage"] else [],
                       placed={f"order-{o['id']}" for o in overdue + result["items"]})


@pages.page("/work-orders/<int:order_id>/assign", MANAGE, methods=("POST",))
def assign_work_order(page):
    order_id, name = page.args["order_id"], page.form.get("technician", "").strip()
    if name not in technicians(page):
        return page.redirect("/console/work-orders", alert={"text": f"维保工单 {order_id} 未能办理：请从维修技工名单中选择。",
                                                            "where": f"order-{order_id}", "fields": {}})
    return page.act("/console/work-orders", f"维保工单 {order_id}", "已派工", "facilities", "assign_work_order",
                    order_id, {"technician": name}, where=f"order-{order_id}")


@pages.page("/work-orders/<int:order_id>/complete", WORKERS, methods=("POST",))
def complete_work_order(page):
    """The checklist as ticked and measured in the form (``check-N`` ticks, ``value-N`` measurements)."""
    order_id = page.args["order_id"]
    order = page.rpc("facilities", "get_work_order", order_id)
    items = []
    for index, item in enumerate(order["items"]):
        if item.get("type") == "measure":
            raw = page.form.get(f"value-{index}", "").strip()
            try:
                items.append({"name": item["name"], "value": float(raw)})
            except ValueError:
                continue
        elif page.form.get(f"check-{index}"):
            items.append({"name": item["name"], "checked": True})
    body = {"items": items}
    finding = page.form.get("finding", "").strip()
    if finding:
        body["findings"] = [{"description": finding}]
    hours = page.form.get("run_hours", "").strip()
    if hours:
        body["run_hours"] = hours  # the service reads it as a decimal and refuses what is not one
    return page.act("/console/work-orders", f"维保工单 {order_id}", "已完工", "facilities", "complete_work_order",
                    order_id, body, where=f"order-{order_id}")
