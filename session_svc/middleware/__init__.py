"""The service's pure-ASGI middleware (no BaseHTTPMiddleware: it buffers, copies contexts and
breaks cancellation). The order they are stacked in is documented and built in `app.py`.

* RequestContext   request id (X-Request-ID), real client IP, one JSON access-log line, metrics
* Recovery         an unhandled error becomes AgentOS's 500 `Internal server error (<Type>)`
* CORS             AgentOS's CORSMiddleware, without its per-request cost when there is no Origin
* StripTrailingSlash  AgentOS's TrailingSlashMiddleware
* BodyLimit        413 for bodies over AGNO_MAX_BODY_BYTES, never reading past the limit
* Deadline         504 after AGNO_REQUEST_TIMEOUT seconds, cancelling the handler (and its query)
* CaptureRoute     hands the matched route template back to RequestContext

Modules: context.py (RequestContext, RequestInfo, request id, client IP), recovery.py, cors.py,
limits.py (BodyLimit, Deadline), paths.py (StripTrailingSlash, CaptureRoute).
"""

from __future__ import annotations

from .context import (
    RequestContext,
    RequestInfo,
    client_ip,
    parse_networks,
    request_info,
    sane_request_id,
)
from .cors import AGENTOS_DEFAULT_ORIGINS, CORS, cors_allowed_origins
from .limits import BodyLimit, Deadline
from .paths import CaptureRoute, StripTrailingSlash
from .recovery import Recovery

__all__ = [
    "AGENTOS_DEFAULT_ORIGINS",
    "CORS",
    "BodyLimit",
    "CaptureRoute",
    "Deadline",
    "Recovery",
    "RequestContext",
    "RequestInfo",
    "StripTrailingSlash",
    "client_ip",
    "cors_allowed_origins",
    "parse_networks",
    "request_info",
    "sane_request_id",
]
