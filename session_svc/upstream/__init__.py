"""The AgentOS upstream: its settings (config.py), the pooled HTTP client (client.py) and the layer
that proxies what this service does not serve and runs the live comparison (cutover.py).

Only config.py is imported without AGNO_AGENTOS_URL: httpx is loaded only with an upstream."""
