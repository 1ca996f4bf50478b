"""The ASGI application hypercorn loads (`session_svc.asgi:app`), configured from the environment."""

from .app import create_app
from .settings import load_settings

app = create_app(load_settings())
