"""Drive the outbox as the gateway process does (process_due + SimulatorGateway), in a thread."""

from __future__ import annotations

import threading

from webapp.db import Database
from webapp.media.store import MediaStore
from webapp.messaging.records import Record
from webapp.messaging.service import ingest
from webapp.whatsapp.devices import GatewayDevice
from webapp.whatsapp.gateway import SimulatorGateway, WhatsAppGateway


class OutboxDriver:
    """Sends one tenant's due messages through simulator devices until stopped.

    The simulator echoes a delivery receipt for every send; it comes back through ingest, like
    real WhatsApp traffic, so the browser sees queued -> sent -> delivered.
    """

    def __init__(self, db: Database, tenant_id: int, interval_s: float = 0.1,
                 store: MediaStore | None = None) -> None:
        self.db = db
        self.store = store  # where attachments' bytes are (the app's media store)
        self.tenant_id = tenant_id
        self.interval_s = interval_s
        self.errors: list[BaseException] = []
        self._gateways: dict[int, SimulatorGateway] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def gateway_for(self, row: GatewayDevice) -> WhatsAppGateway:
        """The simulator gateway of an outbox device row, started on first use."""
        device_id = row.id
        if device_id not in self._gateways:
            def echo(record: Record) -> None:
                ingest(self.db, self.tenant_id, [record], device_id=device_id)

            gateway = SimulatorGateway(echo)
            gateway.start(str(device_id))
            self._gateways[device_id] = gateway
        return self._gateways[device_id]

    def _loop(self) -> None:
        from webapp.whatsapp.outbox import process_due

        while not self._stop.is_set():
            try:
                process_due(self.db, self.gateway_for, limit=50, store=self.store)
            except BaseException as exc:  # noqa: B036 - re-raised by stop()
                self.errors.append(exc)
                return
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        """Start sending what is due."""
        self._thread = threading.Thread(target=self._loop, name="outbox-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop and re-raise what it hit."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.errors:
            raise self.errors[0]
