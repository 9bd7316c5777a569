"""The web desk's settings: one validated model, built at the edge (CLI, tests) and passed down."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MB = 1024 * 1024


class WebSettings(BaseModel):
    """Limits and time-outs of the web desk; the defaults suit a committee's office network."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_file_bytes: int = Field(20 * MB, gt=0)  # one form file
    max_request_bytes: int = Field(64 * MB, gt=0)  # one POST, all its files together
    max_files: int = Field(30, gt=0)  # files in one upload
    session_hours: float = Field(12, gt=0)  # a session ends this long after login ...
    idle_minutes: float = Field(120, gt=0)  # ... or after this long without a request
    user_failures: int = Field(5, gt=0)  # failed logins of one name before it is held back
    ip_failures: int = Field(20, gt=0)  # failed logins from one address before it is held back
    lock_base_seconds: int = Field(60, gt=0)  # the first hold; doubles with each further failure
    lock_max_seconds: int = Field(3600, gt=0)
    failure_window_hours: float = Field(24, gt=0)  # older failures are forgotten
    secure_cookies: Literal["auto", "always", "never"] = "auto"  # auto: when served over https
    concurrent_hashes: int = Field(4, gt=0)  # argon2 takes 64 MB per check: bound the memory
    # argon2id cost of new hashes (RFC 9106's second recommendation); a stored hash keeps its own
    argon2_time_cost: int = Field(3, gt=0)
    argon2_memory_kib: int = Field(64 * 1024, ge=8 * 1024)
    argon2_parallelism: int = Field(4, gt=0)
    prefect_api_url: str | None = None  # the flows' runs come from here when it is set
    prefect_timeout_s: float = Field(2.0, gt=0)
    evaluate_after_change: bool = True  # re-run the evaluation after a correction or override

    @classmethod
    def resolve(cls, value: WebSettings | dict[str, Any] | None = None) -> WebSettings:
        """Accept the settings themselves, a dict of them, or None (defaults + environment)."""
        if isinstance(value, WebSettings):
            return value
        data = dict(value or {})
        data.setdefault("prefect_api_url", os.environ.get("PREFECT_API_URL") or None)
        return cls(**data)
