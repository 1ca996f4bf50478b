"""`chat_history` of the agent and team detail schemas: stored run messages re-serialized the way
agno 3.1.10 does it (`Message.from_dict(m).to_dict()`, media through their `to_dict`,
`MessageMetrics.to_dict`).

Deliberate fixes (README "Differences from AgentOS"):
* A message stored without an `id` (or with a null one) gets a STABLE id,
  `uuid5(ID_NAMESPACE, f"{session_id}:{run_id}:{message_index}")`, where message_index is the
  position in the run's stored `messages` list. agno makes a fresh uuid4 on every read. Media items
  without an id get `uuid5(ID_NAMESPACE, f"{session_id}:{run_id}:{message_index}:{field}:{item_index}")`.
* A message without `created_at` (or with a null one) gets the run's `created_at` if that is an
  integer, else the session's, else 0; agno uses the current time on every read.
* `content` that is not a string or list (agno: ValidationError, 500) is rendered with the text rule
  (`values.as_text`); a null `from_history`/`stop_after_tool_call` counts as false; a
  message that is not an object is skipped.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any
from uuid import UUID, uuid5

from .values import as_bool, as_float, as_int, as_text

ID_NAMESPACE = UUID("6f1d3b8e-2c4a-5d7e-9f10-a1b2c3d4e5f6")

# Message.to_dict's first group, split around the fields pydantic coerces (content, the bools,
# checkpoint_created_at), which message_to_dict handles in place; None, [] and {} are dropped.
_PLAIN_AFTER_CONTENT = ("reasoning_content",)
_PLAIN_AFTER_FROM_HISTORY = ("compressed_content",)
_PLAIN_AFTER_STOP = ("role", "name", "tool_call_id", "tool_name", "tool_args")
_PLAIN_AFTER_TOOL_ERROR = ("tool_calls", "redacted_reasoning_content", "provider_data", "checkpoint_status")
_CONTAINERS = (list, dict)
_MESSAGE_MEDIA = (("images", "image"), ("audio", "audio"), ("videos", "video"), ("files", "file"))

# MessageMetrics.to_dict order (BaseMetrics fields, then MessageMetrics'; `timer` never emitted).
_METRIC_KEYS = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "audio_input_tokens",
    "audio_output_tokens",
    "audio_total_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost",
    "duration",
    "time_to_first_token",
    "provider_metrics",
)

_SKIPPED_ROLES = frozenset(("system", "tool"))


# --- media --------------------------------------------------------------------------------------

# Per class: the to_dict field order (before media_reference/content/metadata), with a coercion
# kind: "f" float field, "i" int field, "p" filepath (str() when truthy), "" as stored.
_IMAGE_FIELDS = (
    ("id", ""),
    ("url", ""),
    ("filepath", "p"),
    ("format", ""),
    ("mime_type", ""),
    ("detail", ""),
    ("original_prompt", ""),
    ("revised_prompt", ""),
    ("alt_text", ""),
)
_AUDIO_FIELDS = (
    ("id", ""),
    ("url", ""),
    ("filepath", "p"),
    ("format", ""),
    ("mime_type", ""),
    ("duration", "f"),
    ("sample_rate", "i"),
    ("channels", "i"),
    ("transcript", ""),
    ("expires_at", "i"),
)
_VIDEO_FIELDS = (
    ("id", ""),
    ("url", ""),
    ("filepath", "p"),
    ("format", ""),
    ("mime_type", ""),
    ("duration", "f"),
    ("width", "i"),
    ("height", "i"),
    ("fps", "f"),
    ("eta", ""),
    ("original_prompt", ""),
    ("revised_prompt", ""),
)
_FILE_FIELDS = (
    ("id", ""),
    ("url", ""),
    ("filepath", "p"),
    ("mime_type", ""),
    ("file_type", ""),
    ("filename", ""),
    ("size", "i"),
    ("external", ""),
    ("format", ""),
    ("name", ""),
)
# Fields that `<Class>.from_base64` keeps when Message.from_dict rebuilds inline (base64) content;
# everything else of the stored dict is lost on that path.
_FROM_BASE64_KEEPS = {
    "image": ("id", "mime_type", "format"),
    "video": ("id", "mime_type", "format"),
    "audio": ("id", "mime_type", "transcript", "expires_at", "sample_rate", "channels"),
    "file": ("id", "mime_type", "filename", "name", "format"),
}
_MEDIA_FIELDS = {"image": _IMAGE_FIELDS, "audio": _AUDIO_FIELDS, "video": _VIDEO_FIELDS, "file": _FILE_FIELDS}
_MEDIA_DEFAULTS = {"audio": {"sample_rate": 24000, "channels": 1}}
_NO_DEFAULTS: dict[str, Any] = {}
_REFERENCE_KEYS = (
    "media_id",
    "storage_key",
    "session_id",
    "storage_backend",
    "bucket",
    "region",
    "url",
    "mime_type",
    "filename",
    "size",
    "content_hash",
    "media_type",
    "metadata",
)


def _b64_roundtrip(text: str) -> str:
    """`from_base64` then `to_base64`: lenient decode (invalid text falls back to its UTF-8 bytes),
    strict re-encode."""
    try:
        raw = base64.b64decode(text)
    except (binascii.Error, ValueError):
        raw = text.encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def _inline_content(kind: str, text: str, mime_type: Any) -> str | None:
    """The `content` key after Message.from_dict's `<Class>.from_base64` and `.to_dict()`.
    Image/Audio/Video emit it only for non-empty bytes; File always does (its `_normalise_content`
    keeps b"", which serializes as ""), and keeps text/* content as stored."""
    if kind == "file":
        if isinstance(mime_type, str) and mime_type.startswith("text/"):
            return text
        return _b64_roundtrip(text)
    return _b64_roundtrip(text) or None


def media_to_dict(kind: str, data: Any, fallback_id: str) -> Any:
    """One media item of a message, as `<Class>(...)` built by Message.from_dict then `.to_dict()`."""
    if not isinstance(data, dict):
        return data
    reference = data.get("media_reference")
    content = data.get("content")
    inline = not isinstance(reference, dict) and isinstance(content, str)
    if inline:
        keep = _FROM_BASE64_KEEPS[kind]
        source = {key: data[key] for key in keep if key in data}
        if kind != "file" and not source.get("id"):
            source["id"] = fallback_id  # from_base64(id=id or uuid4())
        if kind == "audio":
            source.setdefault("sample_rate", 24000)
            source.setdefault("channels", 1)
    else:
        source = data
    defaults = _MEDIA_DEFAULTS.get(kind, _NO_DEFAULTS)
    out = {}
    for key, coerce in _MEDIA_FIELDS[kind]:
        value = source.get(key, defaults.get(key)) if defaults else source.get(key)
        if coerce == "p":
            value = str(value) if value else None
        elif coerce == "f":
            value = as_float(value)
        elif coerce == "i":
            value = as_int(value)
        if value is not None:
            out[key] = value
    if "id" not in out:
        out = {"id": fallback_id, **out}
    if isinstance(reference, dict):
        out["media_reference"] = {key: reference[key] for key in _REFERENCE_KEYS if reference.get(key) is not None}
    elif kind == "file" and not inline and content is not None:
        out["content"] = content  # File.content is Any: File(**data) keeps it, to_dict emits it
    elif inline and isinstance(content, str):
        encoded = _inline_content(kind, content, data.get("mime_type"))
        if encoded is not None:
            out["content"] = encoded
    metadata = source.get("metadata")
    if metadata:
        out["metadata"] = metadata
    return out


def _media_list(kind: str, field: str, items: Any, id_prefix: str) -> list[Any]:
    return [
        media_to_dict(kind, item, str(uuid5(ID_NAMESPACE, f"{id_prefix}:{field}:{i}"))) for i, item in enumerate(items)
    ]


# --- messages -----------------------------------------------------------------------------------


def message_metrics(metrics: Any) -> dict[str, Any]:
    """`MessageMetrics.from_dict(m).to_dict()`: known keys only, in field order; None, integer 0
    (and False) and empty dicts dropped; float 0.0 kept; values otherwise as stored."""
    out: dict[str, Any] = {}
    if not isinstance(metrics, dict):
        return out
    get = metrics.get
    for key in _METRIC_KEYS:
        value = get(key)
        if value is None or (isinstance(value, int) and value == 0):
            continue
        if isinstance(value, dict) and not value:
            continue
        out[key] = value
    return out


def _references(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {"query": value.get("query"), "references": value.get("references"), "time": as_float(value.get("time"))}


def _copy_plain(out: dict[str, Any], get: Any, keys: tuple[Any, ...]) -> None:
    for key in keys:
        value = get(key)
        if value is not None and (value or not isinstance(value, _CONTAINERS)):
            out[key] = value


def _bool_false(value: Any) -> bool:
    return value if value is True or value is False else as_bool(value, False)


def message_to_dict(message: dict[str, Any], id_prefix: str, default_created_at: int) -> dict[str, Any]:
    """`Message.from_dict(message).to_dict()` with the stable-id and created_at fixes."""
    get = message.get
    message_id = get("id")
    out = {"id": message_id if message_id is not None else str(uuid5(ID_NAMESPACE, id_prefix))}
    content = get("content")
    if content is not None:
        if not isinstance(content, (str, list)):
            content = as_text(content)
        if content != []:
            out["content"] = content
    _copy_plain(out, get, _PLAIN_AFTER_CONTENT)
    out["from_history"] = _bool_false(get("from_history", False))
    _copy_plain(out, get, _PLAIN_AFTER_FROM_HISTORY)
    out["stop_after_tool_call"] = _bool_false(get("stop_after_tool_call", False))
    _copy_plain(out, get, _PLAIN_AFTER_STOP)
    tool_call_error = get("tool_call_error")
    if tool_call_error is not None:
        out["tool_call_error"] = as_bool(tool_call_error, tool_call_error)
    _copy_plain(out, get, _PLAIN_AFTER_TOOL_ERROR)
    checkpoint_created_at = get("checkpoint_created_at")
    if checkpoint_created_at is not None:
        out["checkpoint_created_at"] = as_int(checkpoint_created_at)
    for field, kind in _MESSAGE_MEDIA:
        items = get(field)
        if items and isinstance(items, list):
            out[field] = _media_list(kind, field, items, id_prefix)
    audio_output = get("audio_output")
    if audio_output:
        fallback_id = str(uuid5(ID_NAMESPACE, f"{id_prefix}:audio_output:0"))
        out["audio_output"] = media_to_dict("audio", audio_output, fallback_id)
    references = get("references")
    if references:
        out["references"] = _references(references)
    metrics = get("metrics")
    if metrics:
        metrics = message_metrics(metrics)
        if metrics:
            out["metrics"] = metrics
    created_at = get("created_at")
    if type(created_at) is not int:
        created_at = as_int(created_at)
    out["created_at"] = default_created_at if created_at is None else created_at
    return out


def _fallback_created_at(run: dict[str, Any], session_created_at: Any) -> int:
    for value in (run.get("created_at"), session_created_at):
        if type(value) is int:
            return value
    return 0


def chat_history(session_id: str | None, runs: Iterable[dict[str, Any]], session_created_at: Any) -> list[Any]:
    """`session.get_chat_history()` + `Message.to_dict()`: top-level runs (parent_run_id null) of
    any status, in order; messages not from history and not system/tool, in stored order."""
    history = []
    for run in runs:
        if run.get("parent_run_id") is not None:
            continue
        messages = run.get("messages")
        if not messages or not isinstance(messages, list):
            continue
        run_prefix = f"{session_id}:{run.get('run_id')}"
        default_created_at = None
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                continue
            role = message.get("role")
            if as_bool(message.get("from_history"), False) or (isinstance(role, str) and role in _SKIPPED_ROLES):
                continue
            if default_created_at is None:
                default_created_at = _fallback_created_at(run, session_created_at)
            history.append(message_to_dict(message, f"{run_prefix}:{index}", default_created_at))
    return history
