"""`messageflow gateway`: a process that serves WhatsApp devices of every tenant. Run as many
as needed against one database: each device is held by exactly one of them (device leases)."""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from types import FrameType
from typing import Any

import click

from webapp.commands.common import database, load_settings
from webapp.whatsapp.runner import GatewayRunner, RunnerConfig
from webapp.whatsapp.simulated_pairing import PairingTimes

_EXTRAS = ("device_id", "tenant_id", "error", "logout", "holder", "wa_id")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: UTC time (ms), level, logger, message, known extras,
    exception."""

    converter = staticmethod(time.gmtime)

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as JSON."""
        stamp = f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')}.{int(record.msecs):03d}Z"
        out: dict[str, Any] = {
            "ts": stamp, "level": record.levelname.lower(),
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
@click.option("--poll-interval", type=click.FloatRange(0.05, 10.0), default=3.0,
              show_default=True, help="Seconds between lease renewals (which also pick up new "
              "devices); well below the 20 s lease.")
@click.option("--outbox-interval", type=float, default=0.5, show_default=True,
              help="Seconds between outbox passes.")
@click.option("--session-store", type=click.Choice(["postgres", "sqlite"]), default="postgres",
              show_default=True, help="whatsmeow sessions in the database (schema whatsmeow) "
              "or in SQLite files under MESSAGEFLOW_HOME/whatsapp.")
@click.option("--simulator-rate", type=float, default=0.0, show_default=True,
              help="Simulated inbound messages per second per simulator device (0: none).")
@click.option("--simulated-pairing", type=click.FloatRange(0, 600), default=10.0,
              show_default=True, help="Seconds a simulator device added through the API spends "
              "pairing (a QR code, renewed every --simulated-qr-interval s) before it connects; "
              "0: it connects at once.")
@click.option("--simulated-qr-interval", type=click.FloatRange(0.1, 60), default=4.0,
              show_default=True, help="Seconds between the QR codes of a simulated pairing.")
def gateway(poll_interval: float, outbox_interval: float, session_store: str,
            simulator_rate: float, simulated_pairing: float,
            simulated_qr_interval: float) -> None:
    """Serve WhatsApp devices of every tenant until SIGINT/SIGTERM (sharing them with any
    other gateway processes on the same database)."""
    settings = load_settings()
    configure_json_logging(settings.log_level)
    with database(max_size=6) as db:
        config = RunnerConfig(poll_interval=poll_interval, outbox_interval=outbox_interval,
                              store_dsn=db.dsn if session_store == "postgres" else None,
                              home=settings.home, simulator_rate=simulator_rate,
                              simulated_pairing=PairingTimes(simulated_qr_interval,
                                                             simulated_pairing)
                              if simulated_pairing > 0 else None)
        runner = GatewayRunner(db, config)

        def _stop(signum: int, frame: FrameType | None) -> None:
            logging.getLogger(__name__).info("signal %s: stopping", signal.Signals(signum).name)
            runner.request_stop()

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        runner.run()
