from services.kit import green  # noqa: F401  (first: patches the standard library)
from services.kit.runner import serve
from services.notifications.service import NotificationsService

serve(NotificationsService)
