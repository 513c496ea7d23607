"""Client-side pacing: the gate every attempt of one client passes before it is sent.

:class:`RateLimit` is the configuration a user passes. Each :class:`B2BClient` builds one
:class:`Pacer`, which all of that client's attempts (every call of a bulk run, every retry) go
through. The pacer exists even without a ``RateLimit``: a 429 or a ``Retry-After`` pauses the
whole client, not just the call that met it.

What is paced, module by module:

* :mod:`.bucket` — a token bucket of ``burst`` tokens refilled at ``rate`` per ``per``
  seconds, so any window of ``per`` seconds holds at most ``rate + burst`` starts;
* :mod:`.cubic` — adaptive mode as pure functions: a 429 cuts the rate to 70% of what the
  client was sending, at most once per congestion event (the 429s to calls sent before the
  last cut do not cut again) and never below 0.5 calls/s; the rate grows back along a cubic
  curve that reaches the rate of the cut after 2 s (longer after a long pause) and goes on,
  slowly at first, up to the configured rate (botocore's ``throttling.py``);
* :mod:`.meter` — the measured sending rate a cut starts from (a pause is not counted as
  time sending);
* :mod:`.state` — the quota itself: the bucket, the pause until the time a server named
  (``Retry-After``, bounded by ``max_pause``, or ``default_pause`` after a 429 naming none;
  a 429's pause is probed — one call goes when the rate gives one, then at doubling gaps, and
  the first answered ends it — since gateways round a bucket's milliseconds up to seconds),
  and the adaptive rate, kept in this process by :class:`LocalPacing`. It also counts the
  successful answers (``Pacer.answers``): once enough are in, a cut goes to 90% of the rate
  the server let through rather than to 70% of what was sent, and two congestion events fit
  a token bucket's rate and burst (its burst hides the rate from the answers alone); and a
  quota without a rate
  learns one from its first 429 (a slow start from the answers before it), so that the end of
  a pause releases the waiting calls at a rate, never all at once;
* :mod:`.pacer` — the :class:`Pacer`: FIFO waiting in front of the quota, the sleeping, and a
  call's deadline as a bound on its wait (:class:`PacingTimeout`).

**The seam for a shared quota.** Everything that several processes would have to share — the
bucket's tokens, the pause-until and the adaptive rate — sits behind :class:`PacingBackend`
(``try_take``, ``take_or_delay``, ``estimate_wait``, ``throttled``, ``rate``,
``paused_until``); the pacer keeps only what is per process (its queue, its sleeps).
A shared backend (e.g. ``pacing/redis.py``) implements that protocol and is passed as
``Pacer(config, backend=...)``; ``try_take`` must stay synchronous (the success path takes a
token without a task switch), so a remote backend answers it from a local lease or with False,
and does its round trips in ``take_or_delay``.

Waiters are served first come, first served. A call that finds a token and no queue takes it
synchronously (no task switch, well under a microsecond). A cancelled waiter takes no token and
hands its place to the next one. The pacer does not limit how many calls are in flight: that is
``B2BClient(max_concurrency=…)``.
"""

from .limit import RateLimit
from .pacer import Pacer, PacingTimeout
from .state import LocalPacing, PacingBackend

__all__ = ["LocalPacing", "Pacer", "PacingBackend", "PacingTimeout", "RateLimit"]
