"""The desk's WSGI server (waitress): threads, and a body limit before Flask's own."""

from __future__ import annotations

from typing import Any

import waitress
from flask import Flask

from dzict.desk.config import DeskConfig

THREADS = 8


def make_server(app: Flask, config: DeskConfig, port: int | None = None) -> Any:
    """A waitress server for the app on the configured address (`port` 0: any free port).

    Bodies over twice the form limit are cut by waitress already; Flask answers the rest.
    """
    return waitress.create_server(
        app,
        host=config.host,
        port=config.port if port is None else port,
        threads=THREADS,
        max_request_body_size=config.max_body * 2,
        ident="dzict-desk",
        clear_untrusted_proxy_headers=True,
    )
