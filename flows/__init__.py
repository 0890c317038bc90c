"""Regie's Prefect flows.

A run that refuses or stops ends in a Failed state it returns itself ('Geweigerd', 'Gestopt') with a Dutch
message, already logged by the flow. Prefect's engine then also logs "Engine execution exited with unexpected
exception" with the traceback of its own FailedRun, at ERROR, in the run's logs: noise that reads like a crash.
That one record is dropped; an exception a flow really raises keeps its traceback.
"""

from __future__ import annotations

import logging


class _NoTracebackForAnAnswer(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != "Engine execution exited with unexpected exception" or not record.exc_info:
            return True
        from prefect.exceptions import FailedRun

        return not isinstance(record.exc_info[1], FailedRun)


def _install() -> None:
    logger = logging.getLogger("prefect.flow_runs")
    if not any(isinstance(f, _NoTracebackForAnAnswer) for f in logger.filters):
        logger.addFilter(_NoTracebackForAnAnswer())


_install()
