"""The cyclic garbage collector set for a long-running service.

By the time a service listens it holds a few hundred thousand objects that live as long
as the process: modules, protobuf descriptors, SQLAlchemy mappers, rules tables. Python's
default collector looks at new container objects every 700 allocations and, at each full
collection, walks every one of those long-lived objects again. Under the bench's
new-household load that was about an eighth of the orchestrator's instructions (callgrind:
45 M per application with the defaults, 36-39 M with the settings here), and every
application allocates tens of thousands of short-lived containers (rows, messages, dicts).

So, once a service is ready: what is alive is moved out of the collector's sight
(``gc.freeze``: it would never be freed anyway), and the youngest generation is examined
after ``young`` allocations instead of 700. Reference counting still frees almost every
object at once; only garbage in cycles waits longer, bounded by the threshold.
"""

from __future__ import annotations

import gc

DEFAULT_YOUNG = 50_000
# Each older generation is collected after this many collections of the one below, as by
# default: only the youngest looks less often, so garbage in cycles is bounded as before
# in collections, not in allocations.
_OLDER_EVERY = 10


def tune_collector(young: int = DEFAULT_YOUNG) -> None:
    """``young`` 0 leaves Python's own settings."""
    if young <= 0:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, _OLDER_EVERY, _OLDER_EVERY)
