"""Comparing bearer tokens without telling an attacker how close a guess came."""

from __future__ import annotations

import hashlib
import hmac


def same_token(given: str, expected: str) -> bool:
    """Whether `given` is `expected`, in time that does not depend on where they differ."""
    # Digests first, so the comparison takes the same time whatever the given token's length.
    return hmac.compare_digest(
        hashlib.sha256(given.encode("utf-8")).digest(),
        hashlib.sha256(expected.encode("utf-8")).digest(),
    )
