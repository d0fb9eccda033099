"""Dashboards as a user meets them: cold start, first chart, filter changes, load, build.

Measured on the embedded data (``data/raw``) built by the code under test, through ``egn serve``
in a child process (127.0.0.1, a free port) and Debian's Chromium driven by Playwright::

    .venv/bin/python benchmarks/bench_dashboard.py                       # working tree only
    .venv/bin/python benchmarks/bench_dashboard.py --before HEAD~1       # + a previous commit
    .venv/bin/python benchmarks/bench_dashboard.py --users 5 --seconds 10 --changes 5  # smoke

Each variant (« after »: this working tree, uncommitted changes included; « before »:
``--before REF`` checked out with
``git worktree add`` into a temporary folder, removed at the end) gets its own data folder: a
temporary folder whose ``raw`` is a symbolic link to ``data/raw`` and whose ``processed`` is
built by the variant's own ``egn build`` (``EGN_DATA_DIR`` points the CLI, the server and the
dashboards' disk cache, ``<data>/cache``, at it). The variant's code is imported through
``PYTHONPATH=<its source folder>`` with this venv's interpreter, the CLI entry being
``egn_analytics.cli:app`` (``[project.scripts]``). ``data/processed`` is never touched.

**Drawn** (one definition for every metric): a ``.js-plotly-plot`` holding
``.plot-container .main-svg`` and at least one mark of a trace (a ``path`` under ``.trace`` with
a non-trivial ``d``, or a ``.point``).

Metrics, per variant:

1. **Cold start** per page: a fresh server per page; the clock starts when ``egn serve`` is
   launched and stops when the page's first chart is drawn (the browser is started before,
   it asks for the page as soon as the port accepts connections). Two cases: ``empty`` (the
   dashboards' disk cache ``<data>/cache`` removed first: the first start after a build) and
   ``kept`` (the disk cache as the earlier servers of the run left it: they are stopped as
   soon as their chart is drawn, so it may be partial). No warm-up request.
2. **Warm first chart** per page: one server, the page served once in another browser
   context, then 5 new contexts: ``goto`` to first chart drawn, median (a new context has an
   empty HTTP cache: the Dash and Plotly bundles are fetched again, as on a first visit).
3. **Filter changes** (``/usages``: profile radio, territory dropdown; ``/enquetes``:
   indicator, breakdown; ``/concertation``: theme, sources, région): the actions alternate
   between the page's controls, each taking the option after the current one (cycling). The
   time is taken in the page's clock: ``t0`` is the ``pointerdown`` of the click that makes
   the change (a capture listener armed just before it, so opening a dropdown does not
   count); before it every chart's ``gd.data`` is remembered; a ``MutationObserver`` on the
   document (nodes and attributes) then checks after every mutation batch whether some chart
   is a new element or has a new ``data`` array (Plotly.react replaces it) and is drawn:
   ``t1`` is that moment. Latency = t1 - t0 (no Playwright round trip inside). A change
   that shows nothing new in 30 s is counted as failed. Then the page must be quiet (no
   callback request in flight) before the next one. p50/p95/max per page.
4. **Load**: a browser session is recorded once per page (Playwright intercepts the POSTs
   to ``/_dash-update-component`` with their JSON bodies and URL, the page load's and those
   fired by one change of each filter). ``--users`` simulated users (asyncio + httpx), each
   looping over the pages (the start page shifted per user) for ``--seconds``: per page the
   HTML, ``_dash-layout`` and ``_dash-dependencies`` (the bundles are taken as cached by the
   browser; redirects followed: ``/donnees`` → ``/``), then the recorded callbacks, one at a
   time, in the recorded order. No request starts after the deadline. Errors = status ≠ 200 or exception; latency p50/p95 over all
   requests; throughput = completed requests / s; memory = peak RSS of the server process
   and its children during the run (sampled every 50 ms, psutil).
5. **egn build** on unchanged inputs: median wall time of 3 runs of the variant's CLI into its
   data folder (after its first build). ``--full-build``: the first build (empty folder) is
   reported too.

Printed: one line per measure as it comes, then one table ``metric | before | after | target
| met?`` (met? judges the « after » column). Every server runs in its own process group,
killed (TERM, then KILL) on exit, error or Ctrl+C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTHON = sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CLI = "import sys; from egn_analytics.cli import app; sys.argv[0] = 'egn'; app()"

PAGES = ("/", "/enquetes", "/usages", "/concertation", "/donnees")
#: Filters per page: (kind, CSS selector of the control), taken in turn.
FILTERS: dict[str, list[tuple[str, str]]] = {
    "/usages": [("radio", "#usages-profil"), ("dropdown", "#usages-territoire")],
    "/enquetes": [("dropdown", "#enquetes-indicateur"), ("dropdown", "#enquetes-ventilation")],
    "/concertation": [
        ("dropdown", "#concertation-theme"),
        ("multi", "#concertation-sources"),
        ("dropdown", "#concertation-region"),
    ],
}
#: The first visit after a build may compute every cache (tens of seconds on 2 busy cores).
FIRST_LOAD_S = 300.0
CHANGE_TIMEOUT_S = 30.0

TARGET_COLD_S = 3.0
TARGET_WARM_S = 1.0
TARGET_FILTER_P95_MS = 150.0

# In-page helpers, installed in every context before any page script.
INIT_JS = r"""
(() => {
  // Callback requests in flight (Dash's renderer uses fetch).
  window.__egnInflight = 0;
  const origFetch = window.fetch.bind(window);
  window.fetch = (...args) => {
    const url = String(args[0] && args[0].url ? args[0].url : args[0]);
    const counted = url.includes('_dash-update-component');
    if (counted) window.__egnInflight += 1;
    const done = () => { if (counted) window.__egnInflight -= 1; };
    return origFetch(...args).then(r => { done(); return r; }, e => { done(); throw e; });
  };
  // The one definition of « drawn ».
  window.__egnDrawn = (gd) => {
    if (!gd.querySelector('.plot-container .main-svg')) return false;
    if (gd.querySelector('.trace .point')) return true;
    for (const p of gd.querySelectorAll('.trace path')) {
      const d = p.getAttribute('d') || '';
      if (d.length > 4 && d !== 'M0,0Z') return true;
    }
    return false;
  };
  window.__egnAnyDrawn = () => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
      if (window.__egnDrawn(gd)) return true;
    }
    return false;
  };
  // Filter change timing: arm() before the click; t1 when a chart shows new data, drawn.
  window.__egnArm = () => {
    const prev = new WeakMap();
    for (const gd of document.querySelectorAll('.js-plotly-plot')) prev.set(gd, gd.data);
    window.__egnT0 = null;
    window.__egnT1 = null;
    const onDown = () => {
      if (window.__egnT0 === null) window.__egnT0 = performance.now();
    };
    document.addEventListener('pointerdown', onDown, {capture: true, once: true});
    const check = () => {
      if (window.__egnT0 === null || window.__egnT1 !== null) return;
      for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        const fresh = !prev.has(gd) || prev.get(gd) !== gd.data;
        if (fresh && window.__egnDrawn(gd)) {
          window.__egnT1 = performance.now();
          obs.disconnect();
          return;
        }
      }
    };
    const obs = new MutationObserver(check);
    obs.observe(document.documentElement, {subtree: true, childList: true, attributes: true});
    window.__egnDisarm = () => obs.disconnect();
  };
})();
"""


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (p95 of 30 values is the 29th: no interpolation)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """TERM then KILL the process group of ``proc`` (its own session)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class _TreeSampler:
    """Peak RSS of a process and its children, every 50 ms, in a thread."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = sum(p.memory_info().rss for p in [self.proc, *self.proc.children(True)])
                self.peak_rss = max(self.peak_rss, rss)
            except psutil.Error:
                pass
            self._stop.wait(0.05)

    def __enter__(self) -> _TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --------------------------------------------------------------------------- variants


@dataclass
class Variant:
    """The code under test (its source folder) and its own data folder."""

    name: str
    source: Path
    data: Path
    results: dict[str, Any] = field(default_factory=dict)
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("EGN_DEBUG", "EGN_PORT")}
        env["EGN_DATA_DIR"] = str(self.data)
        env["PYTHONPATH"] = str(self.source)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def python(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """This venv's interpreter on the variant's code and data."""
        return subprocess.run(
            [PYTHON, *argv],
            check=False,
            cwd=self.source,
            env=self.env(),
            text=True,
            capture_output=True,
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.python("-c", CLI, *args)

    def start_server(self) -> tuple[subprocess.Popen[bytes], int, float]:
        """``egn serve`` on a free port, in its own session; (process, port, launch time)."""
        port = _free_port()
        log = (self.data / f"serve-{port}.log").open("wb")
        start = time.perf_counter()
        proc = subprocess.Popen(
            [PYTHON, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=self.source,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.servers.append(proc)
        return proc, port, start

    def wait_port(self, proc: subprocess.Popen[bytes], port: int, timeout: float = 120) -> None:
        deadline = time.perf_counter() + timeout
        while not _port_open(port):
            if proc.poll() is not None:
                log = (self.data / f"serve-{port}.log").read_text(errors="replace")
                raise SystemExit(f"{self.name}: egn serve s'est arrêté :\n{log[-2000:]}")
            if time.perf_counter() > deadline:
                raise SystemExit(f"{self.name}: le port {port} n'ouvre pas en {timeout:.0f} s")
            time.sleep(0.01)

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        _kill_group(proc)
        if proc in self.servers:
            self.servers.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.servers):
            self.stop(proc)


def make_variant(name: str, source: Path, work: Path) -> Variant:
    data = work / f"data-{name}"
    data.mkdir(parents=True)
    (data / "raw").symlink_to((REPO / "data" / "raw").resolve(), target_is_directory=True)
    return Variant(name, source, data)


@contextlib.contextmanager
def worktree(ref: str, work: Path) -> Iterator[Path]:
    """``ref`` checked out (detached) into a temporary folder, removed at the end."""
    path = work / "before-src"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(path), ref],
        check=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], check=False
        )
        subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], check=False)


# --------------------------------------------------------------------------- 5. build


def measure_build(v: Variant, full_build: bool) -> None:
    def one() -> float:
        start = time.perf_counter()
        done = v.cli("build")
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            # A table that fails is reported and the run goes on (the pages say what is
            # missing): the benchmark measures the code as it is.
            failed = [line for line in done.stdout.splitlines() if line.startswith("erreur")]
            v.results["build_failed"] = v.results.get("build_failed", 0) + 1
            print(
                f"#   {v.name} egn build code {done.returncode}, {len(failed)} table(s) en échec:"
            )
            for line in (failed or done.stderr.splitlines())[:5]:
                print(f"#     {line}")
        return seconds

    first = one()  # empty processed folder: a full build
    v.results.setdefault("build_failed", 0)
    print(f"{v.name:6} build first (empty folder) {first:7.2f} s", flush=True)
    if full_build:
        v.results["build_full"] = first
    times = [one() for _ in range(3)]
    v.results["build_unchanged"] = _median(times)
    print(
        f"{v.name:6} build unchanged inputs median of 3 {_median(times):7.2f} s "
        f"({', '.join(f'{t:.2f}' for t in times)})",
        flush=True,
    )


# --------------------------------------------------------------------------- browser


def _new_context(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.add_init_script(INIT_JS)
    return context


def _wait_drawn(page: Any, timeout_s: float) -> None:
    page.wait_for_function("() => window.__egnAnyDrawn()", polling="raf", timeout=timeout_s * 1e3)


def _wait_quiet(page: Any, timeout_s: float = FIRST_LOAD_S) -> None:
    """No callback request in flight for 200 ms."""
    deadline = time.perf_counter() + timeout_s
    quiet_since: float | None = None
    while time.perf_counter() < deadline:
        if page.evaluate("window.__egnInflight") == 0:
            quiet_since = quiet_since or time.perf_counter()
            if time.perf_counter() - quiet_since >= 0.2:
                return
        else:
            quiet_since = None
        time.sleep(0.02)


def measure_cold(v: Variant, browser: Any, pages: list[str], modes: list[str]) -> None:
    """Fresh server per page: launch → first chart drawn."""
    for mode in modes:
        for path in pages:
            if mode == "empty":
                shutil.rmtree(v.data / "cache", ignore_errors=True)
            context = _new_context(browser)
            page = context.new_page()
            proc, port, start = v.start_server()
            try:
                v.wait_port(proc, port)
                opened = time.perf_counter() - start
                page.goto(f"http://127.0.0.1:{port}{path}", timeout=FIRST_LOAD_S * 1e3)
                _wait_drawn(page, FIRST_LOAD_S)
                seconds = time.perf_counter() - start
            finally:
                context.close()
                v.stop(proc)
            v.results[f"cold_{mode}:{path}"] = seconds
            print(
                f"{v.name:6} cold start ({mode:5}) {path:14} {seconds:7.2f} s "
                f"(port open after {opened:.2f} s)",
                flush=True,
            )


def measure_warm(v: Variant, browser: Any, base: str, pages: list[str], repeat: int = 5) -> None:
    for path in pages:
        context = _new_context(browser)
        page = context.new_page()
        start = time.perf_counter()
        page.goto(base + path, timeout=FIRST_LOAD_S * 1e3)
        _wait_drawn(page, FIRST_LOAD_S)
        first = time.perf_counter() - start
        context.close()
        times = []
        for _ in range(repeat):
            context = _new_context(browser)
            page = context.new_page()
            start = time.perf_counter()
            page.goto(base + path, timeout=FIRST_LOAD_S * 1e3)
            _wait_drawn(page, FIRST_LOAD_S)
            times.append(time.perf_counter() - start)
            context.close()
        v.results[f"warm:{path}"] = _median(times)
        print(
            f"{v.name:6} warm first chart {path:14} median {_median(times):6.3f} s "
            f"({', '.join(f'{t:.3f}' for t in times)}; first visit {first:.2f} s)",
            flush=True,
        )


#: The options of the open dropdown (Dash 4 renders them in a Radix popper; radio items are
#: ``role=option`` too, hence the scope).
MENU_OPTIONS = "[data-radix-popper-content-wrapper] [role=option]"


def _open_dropdown(page: Any, selector: str) -> list[tuple[bool, bool]]:
    """Open the dropdown; its options as (selected, disabled) (group headings are disabled)."""
    page.click(selector)
    page.locator(MENU_OPTIONS).first.wait_for(state="visible", timeout=CHANGE_TIMEOUT_S * 1e3)
    return [
        (bool(sel), bool(off))
        for sel, off in page.evaluate(
            "(s) => [...document.querySelectorAll(s)].map(o => [o.getAttribute('aria-selected')"
            " === 'true', !!o.querySelector('input:disabled')])",
            MENU_OPTIONS,
        )
    ]


def _next_action(page: Any, kind: str, selector: str) -> Any:
    """Prepare the change of one control (open it, pick the enabled option after the current
    one, cycling); returns the locator to click."""
    if kind == "radio":
        inputs = page.locator(f"{selector} input[type=radio]")
        checked = page.evaluate(
            "(s) => [...document.querySelectorAll(s + ' input[type=radio]')]"
            ".findIndex(i => i.checked)",
            selector,
        )
        return inputs.nth((checked + 1) % inputs.count())
    options = _open_dropdown(page, selector)
    selected = [i for i, (sel, _) in enumerate(options) if sel]
    start = selected[-1] + 1 if selected else 0
    if kind == "multi" and len(selected) == len(options):
        start = 0  # everything chosen: the click removes the first
    for step in range(len(options)):
        i = (start + step) % len(options)
        if not options[i][1] and (kind == "multi" or not options[i][0]):
            return page.locator(MENU_OPTIONS).nth(i)
    raise RuntimeError(f"{selector}: no other option to choose")


def _close_menu(page: Any) -> None:
    if page.locator(MENU_OPTIONS).count():
        page.keyboard.press("Escape")


def measure_filters(v: Variant, browser: Any, base: str, changes: int) -> None:
    for path, controls in FILTERS.items():
        context = _new_context(browser)
        page = context.new_page()
        page.set_default_timeout(CHANGE_TIMEOUT_S * 1e3)
        page.goto(base + path, timeout=FIRST_LOAD_S * 1e3)
        _wait_drawn(page, FIRST_LOAD_S)
        _wait_quiet(page)
        latencies: list[float] = []
        failed = 0
        for i in range(changes):
            kind, selector = controls[i % len(controls)]
            try:
                target = _next_action(page, kind, selector)
                page.evaluate("window.__egnArm()")
                target.click()
                page.wait_for_function(
                    "() => window.__egnT1 !== null", polling=20, timeout=CHANGE_TIMEOUT_S * 1e3
                )
                t0, t1 = page.evaluate("[window.__egnT0, window.__egnT1]")
                latencies.append(t1 - t0)
            except Exception as exc:  # one failed change is counted, the run goes on
                failed += 1
                print(f"#   {v.name} {path} change {i} ({selector}) failed: {exc!r:.200}")
                page.evaluate("window.__egnDisarm && window.__egnDisarm()")
            _close_menu(page)
            _wait_quiet(page)
        context.close()
        p50, p95 = _quantile(latencies, 0.5), _quantile(latencies, 0.95)
        worst = max(latencies, default=float("nan"))
        v.results[f"filter_p50:{path}"] = p50
        v.results[f"filter_p95:{path}"] = p95
        v.results[f"filter_max:{path}"] = worst
        v.results[f"filter_failed:{path}"] = failed
        print(
            f"{v.name:6} filter changes {path:14} n={len(latencies):3} failed={failed} "
            f"p50={p50:7.1f} ms p95={p95:7.1f} ms max={worst:7.1f} ms",
            flush=True,
        )


@dataclass
class Recorded:
    """A callback request as the browser sent it."""

    url: str  # path and query (``/_dash-update-component?endId=…``)
    body: str


def record_session(
    v: Variant, browser: Any, base: str, pages: list[str]
) -> dict[str, list[Recorded]]:
    """Per page, the callback POSTs of its load and of one change of each of its filters."""
    sessions: dict[str, list[Recorded]] = {}
    for path in pages:
        context = _new_context(browser)
        page = context.new_page()
        page.set_default_timeout(CHANGE_TIMEOUT_S * 1e3)
        calls: list[Recorded] = []

        def keep(request: Any, calls: list[Recorded] = calls) -> None:
            if request.method == "POST" and "/_dash-update-component" in request.url:
                url = request.url.removeprefix(base)
                calls.append(Recorded(url, request.post_data or ""))

        page.on("request", keep)
        page.goto(base + path, timeout=FIRST_LOAD_S * 1e3)
        _wait_drawn(page, FIRST_LOAD_S)
        _wait_quiet(page)
        for kind, selector in FILTERS.get(path, []):
            try:
                _next_action(page, kind, selector).click()
            except Exception as exc:
                print(f"#   {v.name} record {path} {selector} failed: {exc!r:.200}")
            _close_menu(page)
            _wait_quiet(page)
        context.close()
        sessions[path] = calls
    total = sum(len(c) for c in sessions.values())
    print(
        f"{v.name:6} recorded {total} callback requests "
        f"({', '.join(f'{p} {len(c)}' for p, c in sessions.items())})",
        flush=True,
    )
    return sessions


# --------------------------------------------------------------------------- 4. load


async def _load(
    base: str, sessions: dict[str, list[Recorded]], users: int, seconds: float
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds
    order = list(sessions)

    async def call(client: httpx.AsyncClient, method: str, url: str, body: str | None) -> bool:
        if time.perf_counter() >= deadline:
            return False
        start = time.perf_counter()
        try:
            if method == "GET":
                response = await client.get(url)
            else:
                response = await client.post(
                    url, content=body, headers={"Content-Type": "application/json"}
                )
            await response.aread()
            if response.status_code != 200:
                errors.append(f"{response.status_code} {method} {url[:60]}")
        except Exception as exc:
            errors.append(f"{type(exc).__name__} {method} {url[:60]}")
        latencies.append(time.perf_counter() - start)
        return True

    async def user(k: int, client: httpx.AsyncClient) -> None:
        i = k
        while time.perf_counter() < deadline:
            path = order[i % len(order)]
            i += 1
            for method, url, body in (
                ("GET", path, None),
                ("GET", "/_dash-layout", None),
                ("GET", "/_dash-dependencies", None),
                *(("POST", r.url, r.body) for r in sessions[path]),
            ):
                if not await call(client, method, url, body):
                    return

    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=timeout, follow_redirects=True
    ) as client:
        start = time.perf_counter()
        await asyncio.gather(*(user(k, client) for k in range(users)))
        elapsed = time.perf_counter() - start
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed}


def measure_load(
    v: Variant, proc: subprocess.Popen[bytes], base: str, sessions: dict[str, list[Recorded]],
    users: int, seconds: float,
) -> None:  # fmt: skip
    # In a thread of its own: the sync Playwright API keeps an event loop in this one.
    with _TreeSampler(proc.pid) as sampler, ThreadPoolExecutor(1) as pool:
        out = pool.submit(asyncio.run, _load(base, sessions, users, seconds)).result()
    lat = out["latencies"]
    n, errors = len(lat), out["errors"]
    v.results.update(
        {
            "load_requests": n,
            "load_errors": len(errors),
            "load_p50_ms": _quantile(lat, 0.5) * 1e3,
            "load_p95_ms": _quantile(lat, 0.95) * 1e3,
            "load_rps": n / out["elapsed"] if out["elapsed"] else float("nan"),
            "load_peak_rss_mib": sampler.peak_rss / 2**20,
        }
    )
    r = v.results
    print(
        f"{v.name:6} load users={users} {out['elapsed']:.1f} s requests={n} "
        f"errors={len(errors)} p50={r['load_p50_ms']:.0f} ms p95={r['load_p95_ms']:.0f} ms "
        f"throughput={r['load_rps']:.1f} req/s server peak RSS={r['load_peak_rss_mib']:.0f} MiB",
        flush=True,
    )
    for line in sorted(set(errors))[:10]:
        print(f"#   {v.name} load error: {line} (×{errors.count(line)})")


# --------------------------------------------------------------------------- run


def run_variant(v: Variant, args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    print(f"# {v.name}: code {v.source}, data {v.data}", flush=True)
    where = v.python(
        "-c", "import dashboards as d, egn_analytics as e; print(e.__file__, d.__file__)"
    )
    if where.returncode != 0 or any(
        not Path(f).resolve().is_relative_to(v.source.resolve()) for f in where.stdout.split()
    ):
        raise SystemExit(f"{v.name}: the code is not imported from {v.source}: {where}")
    measure_build(v, args.full_build)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            measure_cold(v, browser, args.pages, args.cold)
            proc, port, _ = v.start_server()
            try:
                v.wait_port(proc, port)
                base = f"http://127.0.0.1:{port}"
                measure_warm(v, browser, base, args.pages)
                if args.changes:
                    measure_filters(v, browser, base, args.changes)
                if args.users and args.seconds:
                    sessions = record_session(v, browser, base, args.pages)
                    measure_load(v, proc, base, sessions, args.users, args.seconds)
            finally:
                v.stop(proc)
        finally:
            browser.close()
            v.stop_all()


#: How a value of each unit is printed.
_FORMATS = {"s": "{:.2f} s", "ms": "{:.0f} ms", "MiB": "{:.0f} MiB", "req/s": "{:.1f} req/s"}


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    return _FORMATS.get(unit, "{:g}").format(value)


def table(variants: list[Variant], args: argparse.Namespace) -> str:
    before = next((v for v in variants if v.name == "before"), None)
    after = next(v for v in variants if v.name == "after")
    rows: list[tuple[str, str, str, float | None]] = []  # (metric, key, unit, max target)
    for mode in args.cold:
        rows += [(f"cold start ({mode} cache) {p}", f"cold_{mode}:{p}", "s", TARGET_COLD_S)
                 for p in args.pages]  # fmt: skip
    rows += [(f"warm first chart {p}", f"warm:{p}", "s", TARGET_WARM_S) for p in args.pages]
    if args.changes:
        for p in FILTERS:
            rows += [
                (f"filter p50 {p}", f"filter_p50:{p}", "ms", None),
                (f"filter p95 {p}", f"filter_p95:{p}", "ms", TARGET_FILTER_P95_MS),
                (f"filter max {p}", f"filter_max:{p}", "ms", None),
                (f"filter failed {p}", f"filter_failed:{p}", "", 0),
            ]
    if args.users and args.seconds:
        rows += [
            (f"load errors ({args.users} users, {args.seconds:g} s)", "load_errors", "", 0),
            ("load requests", "load_requests", "", None),
            ("load latency p50", "load_p50_ms", "ms", None),
            ("load latency p95", "load_p95_ms", "ms", None),
            ("load throughput", "load_rps", "req/s", None),
            ("load server peak RSS", "load_peak_rss_mib", "MiB", None),
        ]
    if args.full_build:
        rows.append(("egn build, first (empty folder)", "build_full", "s", None))
    rows.append(("egn build, unchanged inputs (median of 3)", "build_unchanged", "s", None))
    rows.append(("egn build runs that failed", "build_failed", "", 0))
    head = ("metric", "before", "after", "target", "met?", "gain ×")
    lines = []
    for metric, key, unit, target in rows:
        value = after.results.get(key)
        old = before.results.get(key) if before else None
        met = "—"
        if target is not None and value is not None:
            ok = not math.isnan(value) and value < target + (1 if unit == "" else 0)
            met = "yes" if ok else "NO"
        shown_target = "—" if target is None else ("< " if unit else "= ") + _fmt(target, unit)
        # gain > 1: the change made it better (before/after for times and memory,
        # after/before for throughput).
        ratio = "—"
        if unit in ("s", "ms", "MiB") and old and value:
            ratio = f"{old / value:.2f}"
        elif unit == "req/s" and old and value:
            ratio = f"{value / old:.2f}"
        lines.append((metric, _fmt(old, unit), _fmt(value, unit), shown_target, met, ratio))
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    out = [" | ".join(c.ljust(w) for c, w in zip(head, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in lines]
    return "\n".join(out)


def _short(ref: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", ref],
        check=False, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REF", help="also measure this commit (git ref)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--changes", type=int, default=30, help="filter changes per page")
    parser.add_argument("--pages", nargs="+", default=list(PAGES))
    parser.add_argument(
        "--cold", nargs="+", choices=("empty", "kept"), default=["empty", "kept"],
        help="cold start with the dashboards' disk cache removed, kept, or both",
    )  # fmt: skip
    parser.add_argument("--full-build", action="store_true", help="report the first build")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--quick", action="store_true", help="5 users, 10 s, 5 changes")
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.seconds, args.changes = 5, 10.0, 5

    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    head = _short("HEAD")
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        check=False, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    print(
        f"# {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}, "
        f"{psutil.virtual_memory().total / 2**30:.0f} Gio; after = working tree at {head}"
        f"{' (modified)' if dirty else ''}; before = {args.before or '—'}"
        f"{f' ({_short(args.before)})' if args.before else ''}; users={args.users} "
        f"seconds={args.seconds:g} changes={args.changes}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="bench_dashboard_"))
    variants: list[Variant] = []
    try:
        with contextlib.ExitStack() as stack:
            if args.before:
                source = stack.enter_context(worktree(args.before, work))
                variants.append(make_variant("before", source, work))
            variants.append(make_variant("after", REPO, work))
            for v in variants:
                try:
                    run_variant(v, args)
                finally:
                    v.stop_all()
    finally:
        for v in variants:
            v.stop_all()
        if args.keep:
            print(f"# kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(table(variants, args), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
