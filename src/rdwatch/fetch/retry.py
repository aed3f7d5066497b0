"""The fetch stage's one retry policy: what is tried again within a run, when, and for how long.

Nothing else retries a fetch: the watch flow's tasks have no Prefect retries, and the next run
is the retry for whatever this policy gives up on. Each URL gets, per run, one `Budget`:

- at most `retries + 1` attempts, all inside `BUDGET_TIMEOUTS × timeout_s` counted from the
  first attempt's start; each attempt is cut at what is left of that;
- tried again after a backoff (exponential, with jitter): refused or dropped connections, 5xx,
  408, and 429 without Retry-After;
- tried again after the server's Retry-After (429/503) only when that still leaves half a timeout
  of the budget; otherwise the answer stands and the source's next poll is moved past it;
- never tried again in the run: a timed-out attempt (it already took a whole timeout, and a second
  would double the cost of the slowest source, which sets the length of the run), other 4xx, 410,
  and bodies that are too large or unreadable.

Failures are typed (`FetchFailure`) where they are raised or answered, so nobody downstream has to
read error text to know whether a failure was transient, throttled, gone or bad.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from rdwatch.config import FetchConfig
from rdwatch.errors import FetchError
from rdwatch.models import FetchFailure

BUDGET_TIMEOUTS = 2.0
# First backoff is about this long, doubling after: short, because a run polls many sources.
BACKOFF_BASE_S = 0.5
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class TransientError(FetchError):
    """A transport failure worth trying again later: timeout, refused or dropped connection."""

    failure = FetchFailure.TRANSIENT

    def __init__(self, url: str, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(url, reason)
        self.timed_out = timed_out


class ThrottledError(FetchError):
    """The host asked (Retry-After) for more time than this URL's budget has left."""

    failure = FetchFailure.THROTTLED

    def __init__(self, url: str, reason: str, *, retry_after_s: float) -> None:
        super().__init__(url, reason)
        self.retry_after_s = retry_after_s


def failure_of(exc: FetchError) -> FetchFailure:
    """The kind of a fetch exception: its class says it; anything unmarked is BAD."""
    failure = getattr(exc, "failure", FetchFailure.BAD)
    return failure if isinstance(failure, FetchFailure) else FetchFailure.BAD


def failure_for_status(status: int, retry_after_s: float | None) -> FetchFailure | None:
    """The kind of failure an HTTP status is (None for 2xx and 304)."""
    if 200 <= status < 300 or status == 304:
        return None
    if status == 410:
        return FetchFailure.GONE
    if status == 429 or (status == 503 and retry_after_s is not None):
        return FetchFailure.THROTTLED
    if status in RETRY_STATUSES or status >= 500:
        return FetchFailure.TRANSIENT
    return FetchFailure.BAD


@dataclass
class Budget:
    """The attempts and time one URL may use in one run (see the module docstring)."""

    settings: FetchConfig
    clock: Callable[[], float] = time.monotonic
    attempts: int = 0
    started: float | None = None

    @property
    def total_s(self) -> float:
        return BUDGET_TIMEOUTS * self.settings.timeout_s

    def begin(self) -> None:
        """Start the clock (the first attempt does, if nothing waited before it)."""
        if self.started is None:
            self.started = self.clock()

    def start_attempt(self) -> float:
        """Count an attempt that starts now; the time it may take."""
        self.begin()
        self.attempts += 1
        return min(self.settings.timeout_s, self.remaining_s())

    def remaining_s(self) -> float:
        if self.started is None:
            return self.total_s
        return max(0.0, self.total_s - (self.clock() - self.started))

    def fits_wait(self, wait_s: float) -> bool:
        """Whether waiting `wait_s` still leaves half a timeout for an attempt."""
        return self.remaining_s() - wait_s >= self.settings.timeout_s / 2

    def allows_retry(self, wait_s: float) -> bool:
        """Whether another attempt after waiting `wait_s` fits: attempts and time left."""
        return self.attempts <= self.settings.retries and self.fits_wait(wait_s)

    def backoff_s(self) -> float:
        # Full jitter keeps many sources on one host from retrying in lockstep.
        ceiling = min(BACKOFF_BASE_S * 2 ** (self.attempts - 1), self.settings.timeout_s)
        return random.uniform(ceiling / 2, ceiling)
