"""Work over many programmes at once: the cycle collector paused for it, and always resumed."""

from __future__ import annotations


def test_work_over_many_programmes_pauses_the_cycle_collector_and_always_resumes_it():
    import gc

    import pytest

    from models.core.batch import many_at_once

    seen = []

    @many_at_once
    def sweep(fail: bool):
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("een kapot programma")
        return "klaar"

    assert gc.isenabled()
    assert sweep(False) == "klaar" and seen == [False] and gc.isenabled()
    with pytest.raises(ValueError):
        sweep(True)
    assert seen == [False, False] and gc.isenabled()  # resumed after an error too
    gc.disable()
    try:
        sweep(False)
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()
