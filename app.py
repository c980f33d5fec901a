"""Flask's entry point: `flask --app app run` (development) or `credbot serve` (production)."""
from credbot.server import create_app

__all__ = ["create_app"]
