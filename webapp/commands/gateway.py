"""`messageflow gateway`: the one process that serves every tenant's WhatsApp devices."""

from __future__ import annotations

import json
import logging
import signal
import sys
from types import FrameType
from typing import Any

import click

from webapp.commands.common import database, load_settings
from webapp.whatsapp.runner import GatewayRunner, RunnerConfig, singleton

_EXTRAS = ("device_id", "tenant_id", "error", "logout")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, known extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname.lower(),
            "logger": record.name, "thread": record.threadName, "msg": record.getMessage(),
        }
        out |= {k: getattr(record, k) for k in _EXTRAS if hasattr(record, k)}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_json_logging(level: str) -> None:
    """JSON logs on stderr; set before neonize is imported so its basicConfig does nothing."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    root.addHandler(handler)
    root.setLevel(level)


@click.command()
@click.option("--poll-interval", type=float, default=3.0, show_default=True,
              help="Seconds between looks at the devices table.")
@click.option("--outbox-interval", type=float, default=0.5, show_default=True,
              help="Seconds between outbox passes.")
@click.option("--session-store", type=click.Choice(["postgres", "sqlite"]), default="postgres",
              show_default=True, help="whatsmeow sessions in the database (schema whatsmeow) "
              "or in SQLite files under MESSAGEFLOW_HOME/whatsapp.")
def gateway(poll_interval: float, outbox_interval: float, session_store: str) -> None:
    """Run every tenant's WhatsApp devices until SIGINT/SIGTERM."""
    settings = load_settings()
    configure_json_logging(settings.log_level)
    with database(max_size=6) as db, singleton(db.dsn, wait=10.0) as alone:
        if not alone:
            raise click.ClickException("another `messageflow gateway` is already serving this "
                                       "database; run only one")
        config = RunnerConfig(poll_interval=poll_interval, outbox_interval=outbox_interval,
                              store_dsn=db.dsn if session_store == "postgres" else None,
                              home=settings.home)
        runner = GatewayRunner(db, config)

        def _stop(signum: int, frame: FrameType | None) -> None:
            logging.getLogger(__name__).info("signal %s: stopping", signal.Signals(signum).name)
            runner.request_stop()

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        runner.run()
