"""The ``stats`` and ``dropped`` records a client reports."""

from dataclasses import dataclass
from typing import Any, Dict, Optional


@dataclass(frozen=True, kw_only=True)
class Dropped:
    """Events given up on, by reason."""

    spool_full: int
    """The spool was over ``max_bytes``; its oldest batches went."""
    spool_expired: int
    """Spooled batches older than ``max_age_ms``."""
    rejected: int
    """Refused with a status never retried (a 4xx other than 429)."""
    undeliverable: int
    """Failed after every retry with no spool to keep them."""


@dataclass(frozen=True, kw_only=True)
class Stats:
    """What a client has done so far (since it was made in its instance)."""

    sent_events: int
    """Events accepted (or written by the file sink), replayed ones included."""
    sent_bytes: int
    """Request body bytes of the accepted requests, as sent."""
    requests: int
    """Requests made, every attempt counted."""
    retries: int
    """Attempts that were retries."""
    accepted_not_204: int
    """Accepted answers that were 2xx but not 204."""
    spooled_events: int
    """Events written to the spool."""
    replayed_events: int
    """Spooled events later delivered."""
    buffered_events: int
    """Events in the buffer, not yet pushed."""
    spool_events: int
    """Events in the spool now."""
    spool_bytes: int
    """Bytes in the spool now."""
    dropped: Dropped
    last_error: Optional[str]
    """The last error a call returned, as text; ``None``: none yet."""

    @classmethod
    def _from_wit(cls, record: Dict[str, Any]) -> "Stats":
        return cls(**{**record, "dropped": Dropped(**record["dropped"])})
