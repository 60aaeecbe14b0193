"""The analytics app in a real browser (issue 10, 4.6): the Streamlit server `messageflow up`
starts (same command and environment, streamlit_child / child_env) on a free loopback port,
over the test database and the Parquet exports of conftest.py, driven by Debian's chromium.

What a person sees: money as $1,234.56 or $0.0430 (never 0.000000), shares as 75.0% (never
100.000000%), headers in words, one tick per day of the range (no duplicate or future days), a
single day drawn as a bar (not across the chart), which days are live and which exported, and
"No spend yet" instead of a chart of $0. Charts are Vega SVG, so their axis labels are read from
the page; tables are canvases (glide-data-grid), so a table's headers and the text each cell
draws are read from the grid's own props (getCellContent().displayData, what the canvas paints).
Screenshots at 1280x800 and 390 px wide go to /tmp/st-shots (never committed).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from analytics.export import rollup_cost_daily, write_partition
from analytics.schema import LLM_COST_DAILY, LLM_USAGE, MESSAGE_STATS
from streamlit_app import charts, data
from tests import factories as make
from tests.analytics.data import MON, TUE, stats_frame, usage_frame
from tests.browser.conftest import browser_type_launch_args  # noqa: F401 - Debian's chromium
from tests.factories import PASSWORD
from tests.streamlit_app.conftest import World
from webapp.commands.children import Ports, child_env, streamlit_child
from webapp.config import Settings

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/st-shots")
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
READY_S = 30.0
# Money as people read it: $0.0430, $0.22, $1,998.00 (a $ sign, thousands grouped, at most
# four decimals); a share: 75.0%, 80%. Never a long run of digits after the point.
MONEY = re.compile(r"^-?\$\d{1,3}(,\d{3})*\.\d{2,4}$")
PERCENT = re.compile(r"^\d{1,3}(\.\d)?%$")
RAW_NUMBER = re.compile(r"\d\.\d{5,}")
SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """The Streamlit server `up` runs, on its own port, and its log."""

    url: str
    log: Path


@pytest.fixture(scope="module")
def server(world: World, database_url: str, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[Server]:
    """`streamlit run streamlit_app/app.py` as `messageflow up` starts it (its argv and the
    environment child_env gives every child: DATABASE_URL, ANALYTICS_DIR, MESSAGEFLOW_HOME,
    the secrets), over the world's database and exports; ready once /_stcore/health answers."""
    ports = Ports(host="127.0.0.1", streamlit=_free_port())
    child = streamlit_child(ports)
    env = {**child_env(Settings.from_env(), database_url, os.environ), **child.env}
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(child.argv, env=env, cwd=child.cwd, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(proc, str(child.ready_url), log)
        yield Server(ports.url(ports.streamlit), log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"streamlit exited:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"streamlit did not answer {url} in {READY_S:.0f} s:\n"
                         f"{log.read_text()}")


@pytest.fixture(scope="module")
def free_tenant(world: World) -> str:
    """A tenant whose only LLM calls were the free local analyser's (exported like the
    others): it has calls, traffic and no spend. Its owner's email."""
    tenant = make.tenant(world.db, "Initech")
    email = "owner@initech.example"
    make.user(world.db, tenant, "owner", email=email, name="Free Owner")
    usage = usage_frame(1).filter(pl.col("provider_id").is_null()).with_columns(
        tenant_id=pl.lit(tenant, pl.Int64))
    stats = stats_frame(1).with_columns(tenant_id=pl.lit(tenant, pl.Int64))
    for day in (MON, TUE):
        for dataset, frame in ((LLM_USAGE, usage), (LLM_COST_DAILY, rollup_cost_daily(usage)),
                               (MESSAGE_STATS, stats)):
            write_partition(world.root, dataset, tenant, day, frame.filter(pl.col("date") == day))
    return email


@dataclass
class Problems:
    """Console errors and uncaught page errors."""

    seen: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.seen.append(f"pageerror: {exc}"))
        return page

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.seen.append(f"console.error: {msg.text}")


OpenPage = Callable[[ViewportSize], Page]


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[OpenPage]:
    """open_page(viewport) -> a page in a fresh browser context (a new Streamlit session);
    the test fails on any browser console error or page error, and a failed test leaves a
    screenshot of its pages in SHOTS (failed-*.png)."""
    pages: list[Page] = []
    problems = Problems()
    failed_before = request.session.testsfailed

    def opener(viewport: ViewportSize) -> Page:
        page = problems.watch(browser.new_context(viewport=viewport, locale="en-US").new_page())
        pages.append(page)
        return page

    yield opener
    for n, page in enumerate(pages):
        if request.session.testsfailed > failed_before:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"failed-{request.node.originalname}-{n}.png"))
        page.context.close()
    assert problems.seen == [], "browser errors:\n" + "\n".join(problems.seen)


# Driving the app


def settle(page: Page) -> None:
    """Wait for the script run to finish (the state Streamlit's own end-to-end tests wait
    for) and its elements to be current (none left over from the run before)."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=30_000)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=30_000)


def sign_in(page: Page, server: Server, email: str, landing: str) -> None:
    """Sign in through the form; wait for the landing page's title."""
    page.goto(server.url)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=landing, level=1)).to_be_visible(timeout=30_000)
    settle(page)


def set_dates(page: Page, start: dt.date, end: dt.date, exported: str) -> None:
    """Type a range into the sidebar's date field (segment by segment, as a person types; the
    calendar it opens is closed with Escape, which applies the range); wait for the page of
    that range: its note naming the `exported` days."""
    for which, day in (("start", start), ("end", end)):
        for segment, value in (("year", f"{day.year}"), ("month", f"{day.month:02d}"),
                               ("day", f"{day.day:02d}")):
            page.get_by_role("spinbutton", name=f"{segment}, Dates {which} date").click()
            page.keyboard.type(value)
    page.keyboard.press("Escape")
    expect(page.get_by_text(f"From the nightly export: {exported};")).to_be_visible()
    settle(page)


def open_screen(page: Page, title: str) -> None:
    """Follow the sidebar's link to a page; wait for it to render."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    settle(page)


def shot(page: Page, name: str) -> None:
    """The viewport, then the whole page (the viewport stretched to the content's height)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    size = page.viewport_size
    assert size is not None
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(int(height), size["height"])})
    page.screenshot(path=str(SHOTS / f"{name}-full.png"))
    page.set_viewport_size(size)


# Reading what the page shows


def metrics(page: Page, count: int) -> dict[str, str]:
    """The page's `count` metrics (label -> the value shown), once drawn (their component
    loads lazily, like the charts' and the tables')."""
    drawn = page.get_by_test_id("stMetric")
    expect(drawn).to_have_count(count)
    return {metric.get_by_test_id("stMetricLabel").inner_text().strip():
            metric.get_by_test_id("stMetricValue").inner_text().strip()
            for metric in drawn.all()}


@dataclass
class Axis:
    """A chart axis as drawn: its title (None without one) and its tick labels in order."""

    title: str | None
    labels: list[str]


AXES_JS = """(chart) => [...chart.querySelectorAll('g.role-axis')].map(axis => ({
    name: axis.getAttribute('aria-label') || '',
    title: axis.querySelector('g.role-axis-title text')?.textContent ?? null,
    labels: [...axis.querySelectorAll('g.role-axis-label text')].map(t => t.textContent)}))"""
LEGENDS_JS = """(chart) => [...chart.querySelectorAll('g.role-legend')].map(legend => ({
    title: legend.querySelector('g.role-legend-title text')?.textContent ?? null,
    labels: [...legend.querySelectorAll('g.role-legend-label text')].map(t => t.textContent)}))"""


@dataclass
class Chart:
    """One Vega chart as drawn (SVG): axes by "x"/"y", legends, its bars' widths."""

    axes: dict[str, Axis]
    legends: list[Axis]
    bar_widths: list[float]
    width: float


def chart_list(page: Page, count: int) -> list[Chart]:
    """The page's `count` charts, in page order, once drawn."""
    drawn = page.locator("[data-testid=stVegaLiteChart] svg.marks")
    expect(drawn).to_have_count(count)
    found = []
    for element in drawn.all():
        axes = {}
        for axis in element.evaluate(AXES_JS):
            key = "x" if axis["name"].startswith("X-axis") else "y"
            axes[key] = Axis(axis["title"], axis["labels"])
        bars = element.evaluate("""(chart) => [...chart.querySelectorAll(
            'g.mark-rect path[aria-roledescription=bar]')].map(p => p.getBBox().width)""")
        legends = [Axis(legend["title"], legend["labels"])
                   for legend in element.evaluate(LEGENDS_JS)]
        found.append(Chart(axes, legends, bars,
                           float(element.evaluate("(chart) => chart.getBBox().width"))))
    return found


# glide-data-grid draws cells on a canvas: find the DataEditor above the canvas (React's own
# fiber links) and ask it for each column's title and each cell's display text.
TABLE_JS = """(canvas) => {
  const key = Object.keys(canvas).find(k => k.startsWith('__reactFiber$'));
  let fiber = key && canvas[key];
  while (fiber && !(fiber.memoizedProps && fiber.memoizedProps.getCellContent
                    && fiber.memoizedProps.columns)) fiber = fiber.return;
  if (!fiber) return null;
  const {getCellContent, columns, rows} = fiber.memoizedProps;
  const cells = [];
  for (let r = 0; r < rows; r++) cells.push(columns.map((_, c) => {
    const cell = getCellContent([c, r]);
    const custom = cell.data && typeof cell.data === 'object' ? cell.data : null;  // dates
    return cell.displayData ?? custom?.displayDate
      ?? (custom ? JSON.stringify(custom) : String(cell.data ?? ''));
  }));
  return {headers: columns.map(c => c.title), rows: cells};
}"""


@dataclass
class Table:
    """A table as shown: headers and each row's cell texts by header."""

    headers: list[str]
    rows: list[dict[str, str]]

    def column(self, header: str) -> list[str]:
        return [row[header] for row in self.rows]


def table_list(page: Page, count: int) -> list[Table]:
    """The page's `count` tables, in page order, once drawn."""
    drawn = page.get_by_test_id("data-grid-canvas")
    expect(drawn).to_have_count(count)
    found = []
    for canvas in drawn.all():
        grid = canvas.evaluate(TABLE_JS)
        assert grid is not None, "no glide-data-grid above the table's canvas"
        found.append(Table(grid["headers"],
                           [dict(zip(grid["headers"], row, strict=True)) for row in grid["rows"]]))
    return found


# A metric's label or value wider than its box (CSS cuts it with an ellipsis).
CUT_METRICS_JS = """() => [...document.querySelectorAll(
    '[data-testid=stMetricValue], [data-testid=stMetricValue] *, '
    + '[data-testid=stMetricLabel], [data-testid=stMetricLabel] *')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""


def assert_reads_well(page: Page, *, chart_count: int, table_count: int) -> None:
    """No number on the page (text, chart labels, table cells) is a raw float, no text is a
    column name or id, no tick appears twice, and no label or metric is cut off."""
    for chart in chart_list(page, chart_count):
        for axis in [*chart.axes.values(), *chart.legends]:
            assert len(set(axis.labels)) == len(axis.labels), axis  # no tick twice
            assert not [label for label in axis.labels if label.endswith("…")], axis  # cut
    # The page's text (titles, metrics, notes and the charts' SVG text), then the tables'.
    shown = [page.get_by_test_id("stMain").inner_text()]
    for table in table_list(page, table_count):
        shown += [*table.headers, *(cell for row in table.rows for cell in row.values())]
    raw = [found for text in shown for found in RAW_NUMBER.findall(text)]
    assert not raw, raw
    snake = [found for text in shown for found in SNAKE.findall(text)]
    assert not snake, snake
    cut = page.evaluate(CUT_METRICS_JS)
    assert not cut, f"metrics cut off with an ellipsis: {cut}"


def day_label(day: dt.date) -> str:
    return f"{day:%b} {day.day}"


def today() -> dt.date:
    """The server's today (the app and the tenants' zones are UTC here)."""
    return dt.datetime.now(dt.UTC).date()


# Tests

EXPORTED = f"{day_label(MON)} – {day_label(TUE)}"  # the fixtures' days, as the note names them


def test_pages_read_as_people_read_them(server: Server, world: World, open_page: OpenPage) -> None:
    page = open_page(DESKTOP)
    sign_in(page, server, world.emails["owner"], landing="Provider comparison")
    end = today()
    set_dates(page, MON, end, EXPORTED)  # the exported days and today's live ones
    days = [day_label(MON + dt.timedelta(days=n)) for n in range((end - MON).days + 1)]

    assert metrics(page, 4) == {"Requests": "8", "Success rate": "75.0%", "Spend": "$0.22",
                                "Cheapest per 1k messages": "$21.50"}
    live = end - dt.timedelta(days=data.LIVE_DAYS)
    [sources] = [text for text in page.get_by_test_id("stCaptionContainer").all_inner_texts()
                 if "export" in text]
    assert sources.startswith(f"Live from the database: {day_label(live)} – {day_label(end)}. "
                              f"From the nightly export: {day_label(MON)} – {day_label(TUE)};")
    cost, quality = chart_list(page, 2)
    assert cost.axes["x"].title == "Cost per 1,000 messages"
    assert all(MONEY.match(label) for label in cost.axes["x"].labels), cost.axes["x"].labels
    assert quality.axes["y"].title == "Success rate"
    assert all(PERCENT.match(label) for label in quality.axes["y"].labels), quality.axes["y"]
    [comparison] = table_list(page, 1)
    assert comparison.headers == ["Provider", "Kind", "Requests", "Success", "Invalid output",
                                  "p50 ms", "p95 ms", "Cost", "Per 1,000 messages",
                                  "Human override"]
    gpt = comparison.rows[0]
    assert (gpt["Provider"], gpt["Success"], gpt["Invalid output"]) == ("GPT", "50.0%", "25.0%")
    assert (gpt["Cost"], gpt["Per 1,000 messages"]) == ("$0.0430", "$21.50")
    assert_reads_well(page, chart_count=2, table_count=1)
    shot(page, "desktop-1-provider-comparison")

    open_screen(page, "Usage & cost")
    shown = metrics(page, 6)
    assert (shown["Spend in range"], shown["Tokens"]) == ("$0.22", "10,000")
    assert shown[f"Month to date (to {day_label(end)})"] == "$0.00"
    spend, calls = chart_list(page, 2)  # no budget chart of 0% bars: nothing spent this month
    expect(page.get_by_text(f"Nothing spent against a budget in {end:%B} yet")).to_be_visible()
    for daily in (spend, calls):
        assert daily.axes["x"].labels == days  # one per day, in order, none after today
    assert spend.axes["y"].title == "Spend"
    assert all(MONEY.match(label) for label in spend.axes["y"].labels), spend.axes["y"].labels
    assert "$0.00" in spend.axes["y"].labels  # not $0 (and $0.10, not $0.1)
    assert calls.axes["y"].labels[:3] == ["0", "1", "2"]  # not 0, 0.5 shown as 0, 1, 1, 2
    daily_table, burn_table = table_list(page, 2)
    assert daily_table.column("Day")[:2] == [f"{day_label(MON)}, {MON.year}"] * 2
    assert daily_table.column("Cost")[:2] == ["$0.0600", "$0.0430"]
    claude = next(row for row in burn_table.rows if row["Provider"] == "Claude")
    assert claude["Budget used"] == "0.0%" and claude["Monthly budget"] == "$0.20", claude
    assert claude["Spent"] == "$0.00", claude  # not $0.0000
    assert_reads_well(page, chart_count=2, table_count=2)
    shot(page, "desktop-2-usage-cost")

    open_screen(page, "Feature breakdown")
    assert metrics(page, 3)["Costliest: Conversation summaries"] == "$0.15"
    heatmap, by_day = chart_list(page, 2)
    assert heatmap.axes["y"].labels == ["Conversation summaries", "Importance detection"]
    [spent] = heatmap.legends
    assert spent.title == "Spend" and spent.labels, heatmap
    assert all(MONEY.match(label) for label in spent.labels), spent.labels
    assert by_day.axes["x"].labels == days
    breakdown, top = table_list(page, 2)
    assert set(breakdown.column("Feature")) == {"Importance detection", "Conversation summaries"}
    assert top.headers[-2:] == ["First call (UTC)", "Last call (UTC)"]
    assert top.rows[0]["First call (UTC)"] == f"{day_label(TUE)}, {TUE.year}, 08:00"
    assert_reads_well(page, chart_count=2, table_count=2)
    shot(page, "desktop-3-feature-breakdown")

    open_screen(page, "Queue health")
    assert metrics(page, 4)["Average first response"] == "4.3 min"
    lines, weekly, by_hour = chart_list(page, 3)
    assert lines.axes["x"].labels == days and lines.legends[0].labels == ["Inbound", "Outbound"]
    assert lines.axes["y"].labels == ["0", "1", "2", "3", "4", "5"]
    [traffic] = table_list(page, 1)
    assert traffic.headers[:3] == ["Day", "Inbound", "Outbound"]
    assert_reads_well(page, chart_count=3, table_count=1)
    shot(page, "desktop-4-queue-health")


def test_large_amounts_have_thousands_and_cents(server: Server, world: World,
                                                 open_page: OpenPage) -> None:
    page = open_page(DESKTOP)
    sign_in(page, server, world.emails["other"], landing="Provider comparison")  # Globex
    set_dates(page, MON, TUE, EXPORTED)
    shown = metrics(page, 4)
    assert shown["Spend"] == "$1,998.00"
    assert shown["Cheapest per 1k messages"] == "$2.00M"  # $1,998,000.00 was cut off
    [cost, _] = chart_list(page, 2)
    assert all(MONEY.match(label) for label in cost.axes["x"].labels), cost.axes["x"]
    assert any("," in label for label in cost.axes["x"].labels), cost.axes["x"]
    [comparison] = table_list(page, 1)
    assert comparison.column("Cost") == ["$1,998.00"]
    assert_reads_well(page, chart_count=2, table_count=1)


def test_one_day_is_a_bar_not_the_whole_chart(server: Server, world: World,
                                              open_page: OpenPage) -> None:
    page = open_page(DESKTOP)
    sign_in(page, server, world.emails["owner"], landing="Provider comparison")
    open_screen(page, "Usage & cost")
    set_dates(page, TUE, TUE, day_label(TUE))
    spend, calls, burn = chart_list(page, 3)
    for daily in (spend, calls):
        assert daily.axes["x"].labels == [day_label(TUE)]
        assert daily.bar_widths and max(daily.bar_widths) <= charts.BAR_PX + 1, daily
        assert daily.width > 5 * charts.BAR_PX
    ticks = burn.axes["x"].labels
    assert ticks[0] == "0%" and "100%" in ticks and all(PERCENT.match(t) for t in ticks), ticks
    claude = next(row for row in table_list(page, 2)[1].rows if row["Provider"] == "Claude")
    assert (claude["Spent"], claude["Budget used"]) == ("$0.1800", "90.0%")  # of $0.20
    page.locator("[data-testid=stVegaLiteChart] svg.marks").first.locator(
        "path[aria-roledescription=bar]").first.hover()
    tooltip = page.locator("#vg-tooltip-element")
    expect(tooltip).to_be_visible()
    spent = tooltip.get_by_role("row").filter(has_text="Spend").get_by_role("cell").last
    assert MONEY.match(spent.inner_text()), tooltip.inner_text()
    assert_reads_well(page, chart_count=3, table_count=2)
    shot(page, "desktop-5-one-day")


def test_no_spend_says_so_instead_of_a_chart(server: Server, world: World, free_tenant: str,
                                             open_page: OpenPage) -> None:
    page = open_page(DESKTOP)
    sign_in(page, server, free_tenant, landing="Provider comparison")
    set_dates(page, MON, TUE, EXPORTED)
    expect(page.get_by_text("No cost per message yet")).to_be_visible()
    assert [c.axes["y"].title for c in chart_list(page, 1)] == ["Success rate"]  # no cost chart
    open_screen(page, "Usage & cost")
    expect(page.get_by_text("No spend yet in this range")).to_be_visible()
    assert metrics(page, 6)["Spend in range"] == "$0.00"
    assert [c.axes["y"].title for c in chart_list(page, 1)] == ["Calls"]  # no $0 spend chart
    assert table_list(page, 2)[0].column("Cost") == ["$0.00"]  # not $0.0000
    assert_reads_well(page, chart_count=1, table_count=2)
    shot(page, "desktop-6-no-spend")


def test_phone_width(server: Server, world: World, open_page: OpenPage) -> None:
    page = open_page(PHONE)
    sign_in(page, server, world.emails["owner"], landing="Provider comparison")
    expand, collapse = (page.get_by_role("button", name=f"{verb} sidebar")
                        for verb in ("Expand", "Collapse"))
    expand.click()
    set_dates(page, MON, today(), EXPORTED)
    screens = (("Provider comparison", 4, 2, 1), ("Usage & cost", 6, 2, 2),  # metrics, charts,
               ("Feature breakdown", 3, 2, 2), ("Queue health", 4, 3, 1))  # tables
    for n, (title, metric_count, chart_count, table_count) in enumerate(screens, start=1):
        if n > 1:
            expand.click()
            open_screen(page, title)
        if collapse.is_visible():
            collapse.click()
        expect(expand).to_be_visible()
        metrics(page, metric_count)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{title}: the page is {width} px wide"
        assert_reads_well(page, chart_count=chart_count, table_count=table_count)
        shot(page, f"phone-{n}-{re.sub(r'[^a-z]+', '-', title.lower()).strip('-')}")
