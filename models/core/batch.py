"""Work over many programmes at once (the sweep, the overview): Python's cycle collector paused for it."""

from __future__ import annotations

import functools
import gc


def many_at_once(fn):
    """Run `fn` with the cycle collector paused. A sweep over a thousand programmes builds hundreds of
    thousands of objects that all live until it ends, and the collector walked them again and again: 40 % of
    the sweep's CPU. Reference counting frees everything as usual; the collector resumes after (and on an
    error too)."""

    @functools.wraps(fn)
    def paused(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused
