"""All six services and the gateway in one process, on kombu's in-memory transport.

For a first look on a machine without RabbitMQ: `make run` starts this when no broker
answers. Each service still has its own health port.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.kit import green  # noqa: E402,F401  (first: patches the standard library)

import os  # noqa: E402

import eventlet  # noqa: E402

os.environ["AMQP_URI"] = "memory://"

from gateway.app import create_gateway, listen, serve  # noqa: E402
from services.directory.service import DirectoryService  # noqa: E402
from services.energy.service import EnergyService  # noqa: E402
from services.facilities.service import FacilitiesService  # noqa: E402
from services.integrations.service import IntegrationsService  # noqa: E402
from services.kit.config import service_config  # noqa: E402
from services.kit.context import setup_logging  # noqa: E402
from services.kit.runner import run_containers  # noqa: E402
from services.kit.tracing import setup_tracing  # noqa: E402
from services.notifications.service import NotificationsService  # noqa: E402
from services.reception.service import ReceptionService  # noqa: E402
from services.vehicles.service import VehiclesService  # noqa: E402

SERVICE_CLASSES = (VehiclesService, FacilitiesService, ReceptionService, EnergyService, IntegrationsService,
                   DirectoryService, NotificationsService)


def main() -> None:
    setup_logging("suite")
    setup_tracing("suite")
    sock = listen()

    def start_gateway():
        eventlet.spawn(serve, create_gateway(), sock)

    run_containers([(cls, service_config(cls.name)) for cls in SERVICE_CLASSES], on_started=start_gateway)


if __name__ == "__main__":
    main()
