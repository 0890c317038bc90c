"""Serve every deployment from this machine (no work pool, no worker): `python -m deployments.serve`."""

from __future__ import annotations

import os

from prefect import serve

from deployments.definitions import build_deployments


def main() -> None:
    serve(*build_deployments(), limit=int(os.environ.get("REGIE_SERVE_LIMIT", "16")), print_starting_message=True)


if __name__ == "__main__":
    main()
