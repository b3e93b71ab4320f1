"""The web console for the center's staff and the units (zh-CN), served under ``/console/``."""
from gateway.console.app import Console

__all__ = ["Console"]
