"""Container HEALTHCHECK: exit 0 when the service's liveness endpoint answers 200, else 1.

The slim base image has no curl or wget, and Python is already there. Liveness only (/healthz does not
touch the database): a database outage must not make Docker restart a healthy process.
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    port = os.environ.get("AGNO_SERVICE_PORT", "8080")
    url = os.environ.get("AGNO_HEALTHCHECK_URL", f"http://127.0.0.1:{port}/healthz")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
