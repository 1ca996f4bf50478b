"""A deterministic stand-in for the OpenAI chat.completions HTTP API, answered through respx.

agno's OpenAIChat talks to the real HTTP API; respx intercepts the httpx client we hand the model,
so agno runs its full code path (tool calls, member delegation, metrics) and stores what it would
store in production. The answers only depend on the request, never on time or randomness.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

CHAT_URL = "https://api.openai.com/v1/chat/completions"


class FakeChatCompletions:
    """Answers chat.completions requests: a tool call when a tool fits, else an echo of the input."""

    def __init__(self) -> None:
        self.calls = 0
        # member id the team leader delegates to, set by the seeding code per team
        self.delegate_to: str | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.calls += 1
        messages = body["messages"]
        last = messages[-1]
        tool_names = [t["function"]["name"] for t in body.get("tools") or []]
        text = _text_of(last.get("content"))
        if last["role"] == "user" and "delegate_task_to_member" in tool_names and self.delegate_to:
            message = self._tool_call("delegate_task_to_member", {"member_id": self.delegate_to, "task": text})
            finish = "tool_calls"
        elif last["role"] == "user" and "get_weather" in tool_names and "weather" in text.lower():
            message = self._tool_call("get_weather", {"city": "Paris"})
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": f"Echo: {text}"}
            finish = "stop"
        prompt_tokens = 10 + len(messages)
        return httpx.Response(
            200,
            json={
                "id": f"chatcmpl-{self.calls}",
                "object": "chat.completion",
                "created": 1795545569,
                "model": body.get("model", "gpt-4o"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 5, "total_tokens": prompt_tokens + 5},
            },
        )

    def _tool_call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{self.calls}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
            ],
        }


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multimodal parts
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return "" if content is None else str(content)
