"""The ASGI application hypercorn loads (`session_svc.asgi:app`), configured from the environment."""

from .app import create_app
from .logging import configure_logging
from .settings import load_settings

_settings = load_settings()
# Worker processes (AGNO_WORKERS > 1) start from this module: they log JSON lines too.
configure_logging(_settings.log_level)
app = create_app(_settings)
