"""My notifications (消息): the inbox, marking read, and my e-mail address and muted kinds."""
from __future__ import annotations

from gateway.console.pages import pages
from services.kit.context import ROLES
from services.notifications.contract import KINDS

KIND_NAMES = {
    "dispatch_requested": "新的用车申请", "dispatch_approved": "用车申请已批准", "dispatch_rejected": "用车申请未获批准",
    "dispatch_assigned": "用车已派车", "dispatch_returned": "车辆已归队", "repair_assigned": "维修派工",
    "repair_completed": "报修已修好", "flag_explanation_due": "用车异常待说明", "rectification_due": "整改事项到期",
    "reception_approved": "接待申请已批准", "reception_rejected": "接待申请未获批准", "target_at_risk": "节能目标风险",
    "car_overdue": "车辆逾期未归", "repair_pledge_at_risk": "维修即将超时", "energy_report_missing": "能耗月报未报送",
    "weekly_digest": "每周简报",
}
DELIVERY_STATES = {"pending": "邮件待发送", "sent": "邮件已发送", "failed": "邮件未送达"}
BACK = "/console/notifications"


@pages.page("/notifications", ROLES, menu="我的消息")
def inbox(page):
    query = page.query("unread")
    result = page.rpc("notifications", "list_notifications", query)
    preferences, _ = page.attempt("notifications", "get_preferences")
    return page.render("notifications.html", result=result, query=query, kinds=KINDS, kind_names=KIND_NAMES,
                       delivery_states=DELIVERY_STATES, preferences=preferences or {}, problem=None)


@pages.page("/notifications/<int:notification_id>/read", ROLES, methods=("POST",))
def mark_read(page):
    return page.act(BACK, "消息", "已标为已读", "notifications", "mark_read", page.args["notification_id"])


@pages.page("/notifications/read-all", ROLES, methods=("POST",))
def mark_all_read(page):
    return page.act(BACK, "全部消息", "已标为已读", "notifications", "mark_all_read")


@pages.page("/notifications/preferences", ROLES, methods=("POST",))
def save_preferences(page):
    email = page.form.get("email", "").strip() or None
    muted = [kind for kind in page.form.getlist("muted") if kind in KINDS]
    return page.act(BACK, "消息设置", "已保存", "notifications", "update_preferences",
                    {"email": email, "muted_kinds": muted})
