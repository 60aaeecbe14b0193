"""The processes `messageflow up` runs, and the environment they share.

| child      | command                                              | port (env)            |
|------------|------------------------------------------------------|-----------------------|
| web        | gunicorn webapp.wsgi:app, gthread workers            | 8080 (PORT)           |
| gateway    | messageflow gateway (neonize + simulator devices)    | -                     |
| simulator  | messageflow simulate --tenant <demo> (demo traffic)  | -                     |
| dagster-ui | dagster-webserver -w $DAGSTER_HOME/workspace.yaml    | 3000 (DAGSTER_PORT)   |
| dagster-d  | dagster-daemon run (schedules, sensors, run queue);  | -                     |
|            | started once the webserver answers                   |                       |
| streamlit  | streamlit run streamlit_app/app.py                   | 8501 (STREAMLIT_PORT) |

MESSAGEFLOW_DAGSTER=0, MESSAGEFLOW_STREAMLIT=0, MESSAGEFLOW_GATEWAY=0 and
MESSAGEFLOW_DEMO_TRAFFIC=0 leave the corresponding processes out.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from webapp.commands.dagster_home import REPO_ROOT, DagsterHome
from webapp.config import Settings, resolve_analytics_dir
from webapp.inputs import MAX_URL_BYTES
from webapp.supervisor import Child

# gunicorn gthread: every open WebSocket holds one thread for its lifetime, so the thread count
# bounds the dashboards one process can keep open (the realtime bench held 1,000 sockets with
# 2 workers x 1,100 threads). 2 x 256 keeps ~500 sockets with room for API calls; raise
# WEB_THREADS for more.
DEFAULT_WEB_WORKERS = 2
DEFAULT_WEB_THREADS = 256
# The access log is the app's own JSON one (logger webapp.access: request id, path without the
# query string, status, duration; it also records WebSocket sessions, which gunicorn's does not),
# so gunicorn writes none. Should one be switched on (GUNICORN_CMD_ARGS="--access-logfile=-"),
# its format still never writes the query string: the WebSocket route takes the JWT as `?token=`,
# and %(U)s is the path alone where gunicorn's default %(r)s is the raw URI.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
# gthread, with gunicorn's own error answers (414, 431, malformed requests) in the JSON envelope;
# the request line may be as long as the app's URL limit (gunicorn's largest, 8,190 bytes).
WEB_WORKER_CLASS = "webapp.http.worker.EnvelopeWorker"


@dataclass(frozen=True)
class Ports:
    """Where the platform listens: web (PORT), Dagster UI (DAGSTER_PORT), Streamlit."""

    host: str
    web: int = 8080
    dagster: int = 3000
    streamlit: int = 8501

    @classmethod
    def from_env(cls, host: str, web: int, environ: Mapping[str, str]) -> Ports:
        """The web port as resolved by the command; the others from the environment."""
        return cls(host=host, web=web, dagster=_port(environ, "DAGSTER_PORT", 3000),
                   streamlit=_port(environ, "STREAMLIT_PORT", 8501))

    def bind(self, port: int) -> str:
        """HOST:PORT as gunicorn's -b takes it (an IPv6 address in brackets)."""
        return f"[{self.host}]:{port}" if ":" in self.host else f"{self.host}:{port}"

    def url(self, port: int) -> str:
        """A URL a browser on this machine can open (a wildcard host becomes loopback)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass(frozen=True)
class BusyPort:
    """A port a child would listen on that something else holds, and the variable moving it."""

    port: int
    var: str
    child: str


def busy_ports(ports: Ports, environ: Mapping[str, str], *,
               web_only: bool = False) -> list[BusyPort]:
    """The ports `up` (or, `web_only`, `serve`) would listen on, per the MESSAGEFLOW_* switches,
    that something already holds: checked before anything starts (before the database, the
    migrations and the demo login), because a server already answering on the web port would
    make the supervisor announce "ready" while gunicorn fails to bind and exits."""
    wanted = [("web", ports.web, "PORT", True),
              ("dagster-ui", ports.dagster, "DAGSTER_PORT",
               not web_only and enabled(environ, "MESSAGEFLOW_DAGSTER")),
              ("streamlit", ports.streamlit, "STREAMLIT_PORT",
               not web_only and enabled(environ, "MESSAGEFLOW_STREAMLIT"))]
    busy = []
    for child, port, var, on in wanted:
        if not on:
            continue
        with socket.socket(socket.AF_INET6 if ":" in ports.host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
            try:
                sock.bind((ports.host, port))
            except OSError:
                busy.append(BusyPort(port, var, child))
    return busy


def busy_message(host: str, busy: list[BusyPort]) -> str:
    """One line naming the ports in use and how to move them."""
    if len(busy) == 1:
        return (f"port {busy[0].port} on {host} is in use by another program; "
                f"set {busy[0].var} or stop it")
    named = ", ".join(f"{b.port} ({b.var}, for {b.child})" for b in busy)
    return f"ports {named} on {host} are in use by other programs; set those variables or " \
           "stop them"


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{name} must be a TCP port number, got {raw!r}")
    return int(raw)


def enabled(environ: Mapping[str, str], name: str) -> bool:
    """A MESSAGEFLOW_<PART> switch: on unless set to 0/false/no/off."""
    return environ.get(name, "1").strip().lower() not in ("0", "false", "no", "off")


def _py(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def web_child(ports: Ports, environ: Mapping[str, str]) -> Child:
    """gunicorn with gthread workers; WEB_WORKERS x WEB_THREADS (see DEFAULT_WEB_THREADS)."""
    workers = environ.get("WEB_WORKERS") or str(DEFAULT_WEB_WORKERS)
    threads = environ.get("WEB_THREADS") or str(DEFAULT_WEB_THREADS)
    return Child("web", _py("gunicorn", "webapp.wsgi:app", "-k", WEB_WORKER_CLASS,
                            "-w", workers, "--threads", threads,
                            "--limit-request-line", str(MAX_URL_BYTES),
                            "-b", ports.bind(ports.web),
                            "--access-logformat", ACCESS_LOG_FORMAT,
                            "--graceful-timeout", "5", "--no-control-socket"),
                 ready_url=f"{ports.url(ports.web)}/readyz")


def gateway_child() -> Child:
    """The one WhatsApp gateway process: paired neonize devices and simulator devices' outbox."""
    return Child("gateway", _py("webapp.cli", "gateway"))


def simulator_child(tenant_id: int, environ: Mapping[str, str]) -> Child:
    """Demo traffic into the demo tenant (MESSAGEFLOW_DEMO_RATE records/s, default 0.3)."""
    rate = environ.get("MESSAGEFLOW_DEMO_RATE") or "0.3"
    return Child("simulator", _py("webapp.cli", "simulate", "--tenant", str(tenant_id),
                                  "--rate", rate))


def _bin(name: str) -> str:
    """A console script of this environment (next to sys.executable), else from PATH."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.access(local, os.X_OK) else name


def dagster_children(ports: Ports, home: DagsterHome) -> list[Child]:
    """The Dagster webserver (UI and GraphQL) and the daemon (schedules, sensors, run queue)."""
    env = home.env()
    workspace = str(home.workspace)
    return [
        Child("dagster-ui", [_bin("dagster-webserver"), "-h", ports.host,
                             "-p", str(ports.dagster), "-w", workspace],
              env=env, cwd=str(REPO_ROOT), ready_url=f"{ports.url(ports.dagster)}/server_info"),
        # after the webserver: it creates the instance's storage, the daemon would race it
        # The daemon's own INFO lines (a "checking sensor" line per tick, four per run
        # launched) and its code servers' heartbeat warnings are noise in `up`'s log: the runs'
        # own INFO lines (what each run did) still show, and ticks are in the Dagster UI.
        Child("dagster-d", [_bin("dagster-daemon"), "run", "-w", workspace,
                            "--log-level", "warning", "--code-server-log-level", "error"],
              env=env, cwd=str(REPO_ROOT), after="dagster-ui"),
    ]


def streamlit_child(ports: Ports) -> Child:
    """The analytics app, headless, no usage stats, no file watcher, no error details shown."""
    return Child("streamlit", _py(
        "streamlit", "run", str(REPO_ROOT / "streamlit_app" / "app.py"),
        "--server.port", str(ports.streamlit), "--server.address", ports.host,
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        "--client.showErrorDetails", "none"),
        cwd=str(REPO_ROOT), ready_url=f"{ports.url(ports.streamlit)}/_stcore/health")


def platform_children(ports: Ports, environ: Mapping[str, str], demo_tenant: int | None,
                      dagster: DagsterHome | None) -> list[Child]:
    """Every long-running process `up` runs (dagster None: Dagster left out)."""
    children = [web_child(ports, environ)]
    if enabled(environ, "MESSAGEFLOW_GATEWAY"):
        children.append(gateway_child())
    if demo_tenant is not None and enabled(environ, "MESSAGEFLOW_DEMO_TRAFFIC"):
        children.append(simulator_child(demo_tenant, environ))
    if dagster is not None:
        children += dagster_children(ports, dagster)
    if enabled(environ, "MESSAGEFLOW_STREAMLIT"):
        children.append(streamlit_child(ports))
    return children


def child_env(settings: Settings, dsn: str, environ: Mapping[str, str], *,
              analysis_runner: str | None = None,
              whatsapp_default_kind: str | None = None) -> dict[str, str]:
    """The environment every child gets: the resolved database, the (dev) secrets, absolute
    MESSAGEFLOW_HOME and ANALYTICS_DIR (Dagster's runs and Streamlit must agree on them), and
    unbuffered output so the merged log keeps up."""
    home = settings.home.resolve()
    env = dict(environ)
    env.update(DATABASE_URL=dsn, JWT_SECRET=settings.jwt_secret, MASTER_KEY=settings.master_key,
               MESSAGEFLOW_HOME=str(home), PYTHONUNBUFFERED="1",
               ANALYTICS_DIR=str(os.path.abspath(resolve_analytics_dir(environ, home))))
    if analysis_runner:
        env["ANALYSIS_RUNNER"] = analysis_runner
    if whatsapp_default_kind:  # a default only: WHATSAPP_DEFAULT_KIND set by the user wins
        env.setdefault("WHATSAPP_DEFAULT_KIND", whatsapp_default_kind)
    return env
