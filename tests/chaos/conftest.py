"""The fault tier (`make chaos`): the suite as processes under load while parts of it fail.

These tests stop and start processes, a PostgreSQL cluster of their own and the RabbitMQ
node itself, so they run apart from `make test`. Each prints what it did and the counts it
compared."""
import requests

from tests.stack import ADMIN_PASSWORD, token_for


def admin_session(stack) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(stack, 'admin', ADMIN_PASSWORD)}"
    return session
