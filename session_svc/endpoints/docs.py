"""`/openapi.json`, `/docs` and `/redoc` (FastAPI's defaults in AgentOS), switched off by DOCS_ENABLED=false."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..jsonenc import dumps
from ..openapi import build_openapi


async def openapi_json(request: Request) -> Response:
    return Response(_document_bytes(), media_type="application/json")


@functools.cache
def _document_bytes() -> bytes:
    return dumps(build_openapi())


# The pages load Swagger UI / ReDoc from jsDelivr, as FastAPI's do; only the HTML is served here.
_SWAGGER_HTML = """<!DOCTYPE html>
<html>
<head>
<link type="text/css" rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
<title>Agno AgentOS - Swagger UI</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>
const ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui', layout: 'BaseLayout',
  deepLinking: true, showExtensions: true, showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]})
</script>
</body>
</html>
"""

_REDOC_HTML = """<!DOCTYPE html>
<html>
<head>
<title>Agno AgentOS - ReDoc</title>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"></script>
</body>
</html>
"""


async def swagger_ui(request: Request) -> Response:
    return HTMLResponse(_SWAGGER_HTML)


async def redoc(request: Request) -> Response:
    return HTMLResponse(_REDOC_HTML)
