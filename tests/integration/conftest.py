import eventlet
import pytest
from nameko.containers import ServiceContainer

from services.kit.config import service_config
from services.kit.rpc_client import RpcClient
from tests.support import free_port


@pytest.fixture
def start_service(test_backends, databases):
    """Starts a service container in this process on the test broker and a fresh database."""
    if not test_backends.real_broker:
        from services.kit.memory import patch_nameko_for_memory_transport

        patch_nameko_for_memory_transport()
    started = []

    def start(cls, database_url=None, **overrides):
        config = service_config(cls.name)
        config.update(
            AMQP_URI=test_backends.amqp_uri,
            DATABASE_URL=database_url or databases.migrated_url(cls.name),
            WEB_SERVER_ADDRESS=f"127.0.0.1:{free_port()}",
        )
        config.update(overrides)  # AMQP_URI too: a vhost of the test's own
        container = ServiceContainer(cls, config)
        container.start()
        started.append(container)
        return container

    yield start
    for container in reversed(started):
        with eventlet.Timeout(10, False):
            container.stop()
        container.kill()


@pytest.fixture
def rpc(test_backends):
    client = RpcClient(test_backends.amqp_uri, timeout=5, name="tests").start()
    yield client
    client.stop()
