"""A class on one link: N simulated students over Streamlit's own websocket protocol.

    python benchmarks/load.py --start --students 10 --clicks 10 --scenario burst
    python benchmarks/load.py --url http://127.0.0.1:8601 --server-pid 1234 --students 40 \\
        --scenario human --trainers 10

Each student opens ``/<page>`` the way a browser does: a websocket to ``/_stcore/stream``,
one ``BackMsg.rerun_script`` with the page name and query string, then the ForwardMsgs
(deltas) of the script run until ``script_finished``. That is the *first load*. Then the
student clicks the step button (``--click-key``, default the shared stepper's ``step_next``)
``--clicks`` times: a ``BackMsg.rerun_script`` with the button's trigger and the id of the
fragment the button lives in, exactly what the browser sends, and waits for the run to
finish. After every click the step slider's value must be one more than before (else the
click counts as *not advanced*). Like the browser, a student keeps the hashes of the
cacheable messages it has received and sends them, so the server can answer with a
reference instead of resending an unchanged element (``--no-cache`` turns that off).

With client-side stepping (the page holds the step view ``--view-key``, app/stepview.py)
a click is drawn by the browser and sends nothing: it counts as 0 ms and 0 bytes, and the
student's step advances in the view's own state (from the data the view was sent; it must
stay within the text). After its clicks each student sends the step it stopped at once,
as the browser does when the student turns to the quiz or the share box (``sync_ms``;
``--no-sync`` leaves it out), with the step in its URL as the view keeps it there; the
part the server redraws under the view (the check-yourself box) must name that step
("t = N").

Scenarios:

* ``human``: a click every 1–3 s (uniform, seeded jitter) after the previous one finished;
* ``burst``: each click right after the previous one finished;
* ``--trainers K`` (with either): K of the N students open ``--train-page`` instead and
  press ``--train-key`` (the LM lab's Train button); their run's time and errors are
  reported apart from the steppers'.

Students arrive spread over ``--ramp`` seconds. The server's RSS and CPU (the process
given by ``--server-pid`` or started by ``--start``, plus its child processes) are
sampled from /proc every 0.25 s. The results go to ``benchmarks/results/load.json`` (or
``--out``); ``--label`` names the run inside that file, so one file holds several runs
(e.g. "today" and "client-side stepping") side by side.

Bounded: at most ``MAX_STUDENTS`` students and ``--max-seconds`` in all (then every
student is stopped and the run is reported as cut short). The target is loopback unless
``--url`` names another address (a load balancer in front of replicas).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MAX_STUDENTS = 250
DONE = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
}


# --- one student -------------------------------------------------------------------------


@dataclass
class Widget:
    kind: str  # the Element oneof: "button", "slider", "bidi_component", ...
    element: object  # the widget's proto
    fragment_id: str  # "" outside a fragment


@dataclass
class Run:
    """What one script (or fragment) run sent back."""

    seconds: float
    bytes: int
    messages: int
    exceptions: list[str]
    status: str  # "ok", "error: ..."
    at: float = field(default_factory=time.perf_counter)  # when it ended


@dataclass
class Student:
    url: str
    page: str
    query: str
    cache: bool = True
    widgets: dict[str, Widget] = field(default_factory=dict)  # id -> latest element
    hashes: set[str] = field(default_factory=set)  # cacheable messages received
    page_hash: str = ""
    texts: list[str] = field(default_factory=list)  # the markdown the last run drew
    ws: object = None

    def _state(self, widgets=(), fragment_id: str = "") -> ClientState:
        return ClientState(
            query_string=self.query,
            page_name=self.page,
            page_script_hash=self.page_hash,
            widget_states=WidgetStates(widgets=list(widgets)),
            fragment_id=fragment_id,
            cached_message_hashes=sorted(self.hashes) if self.cache else [],
        )

    async def open(self, timeout: float) -> Run:
        """Connect and run the page once (the first load)."""
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        start = time.perf_counter()
        self.ws = await websockets.connect(
            f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=f"{parts.scheme}://{parts.netloc}",
            max_size=None,
            open_timeout=timeout,
            ping_interval=None,
        )
        return await self._run(self._state(), start, timeout)

    async def send(self, widgets, fragment_id: str, timeout: float) -> Run:
        """One interaction: a rerun request with the changed widget states."""
        return await self._run(self._state(widgets, fragment_id), time.perf_counter(), timeout)

    async def _run(self, state: ClientState, start: float, timeout: float) -> Run:
        await self.ws.send(BackMsg(rerun_script=state).SerializeToString())
        self.texts = []
        received = messages = 0
        exceptions: list[str] = []
        deadline = start + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return Run(
                    time.perf_counter() - start, received, messages, exceptions, "error: timeout"
                )
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                continue
            received += len(raw)
            messages += 1
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if msg.metadata.cacheable and msg.hash:
                self.hashes.add(msg.hash)
            if kind == "navigation" and msg.navigation.page_script_hash:
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "delta":
                self._delta(msg.delta, exceptions)
            elif kind == "script_finished":
                if msg.script_finished in DONE:
                    status = "ok"
                    if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        status = "error: compile"
                    return Run(time.perf_counter() - start, received, messages, exceptions, status)
            elif kind == "page_not_found":
                return Run(
                    time.perf_counter() - start,
                    received,
                    messages,
                    exceptions,
                    "error: page not found",
                )

    step_key = "step"

    def _delta(self, delta, exceptions: list[str]) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
            return
        if kind == "markdown":
            self.texts.append(element.markdown.body)
        widget = getattr(element, kind, None)
        wid = getattr(widget, "id", "") if widget is not None else ""
        if wid:
            self.widgets[wid] = Widget(kind, widget, delta.fragment_id)

    def find(self, key: str, kind: str | None = None) -> tuple[str, Widget] | None:
        """The widget whose user key is ``key`` (ids end in ``-<key>``)."""
        for wid, w in self.widgets.items():
            if wid.endswith(f"-{key}") and (kind is None or w.kind == kind):
                return wid, w
        return None

    def slider_value(self, key: str) -> float | None:
        found = self.find(key, "slider")
        if found is None:
            return None
        slider = found[1].element
        values = slider.value if slider.set_value else slider.default
        return float(values[0]) if len(values) else None

    async def click(self, key: str, timeout: float) -> Run:
        found = self.find(key, "button")
        if found is None:
            return Run(0.0, 0, 0, [], f"error: no button {key!r} on the page")
        wid, w = found
        return await self.send([WidgetState(id=wid, trigger_value=True)], w.fragment_id, timeout)

    async def sync(self, key: str, step: int, seq: int, timeout: float) -> Run:
        """What client-side stepping sends once the student stops: the step, in the
        state of the step view component (``key``, e.g. ``step_view``)."""
        found = self.find(key, "bidi_component")
        if found is None:
            return Run(0.0, 0, 0, [], f"error: no component {key!r} on the page")
        wid, w = found
        # the view has kept the step in the address bar: every rerun sends it
        query = {k: v for k, v in parse_qsl(self.query) if k != self.step_key}
        self.query = urlencode({**query, self.step_key: step})
        state = json.dumps({"step": {"step": step, "seq": seq}})
        return await self.send([WidgetState(id=wid, json_value=state)], w.fragment_id, timeout)

    def view_data(self, key: str) -> dict | None:
        """The client-side step view's data (``app.stepview.read``), if the page has one."""
        found = self.find(key, "bidi_component")
        if found is None:
            return None
        sent = json.loads(bytes(found[1].element.bytes))
        return {**sent["view"], **{k: v for k, v in sent.items() if k != "view"}}

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


# --- the server's RSS and CPU ------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """pid and its descendants (worker processes count towards the server)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, pending = [], [pid]
    while pending:
        p = pending.pop()
        out.append(p)
        pending.extend(children.get(p, []))
    return out


def _sample(pid: int) -> tuple[float, float]:
    """(CPU seconds, RSS MiB) of the process tree."""
    cpu = rss = 0.0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / _TICK
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return cpu, rss


async def _watch(pid: int | None, samples: list, stop: asyncio.Event) -> None:
    while pid is not None and not stop.is_set():
        samples.append((time.perf_counter(), *_sample(pid)))
        try:
            await asyncio.wait_for(stop.wait(), 0.25)
        except TimeoutError:
            pass


# --- the class ---------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


async def stepper(i: int, args, rng: random.Random, out: dict) -> None:
    student = Student(args.url, args.page, args.query, cache=not args.no_cache)
    try:
        first = await student.open(args.timeout)
        out["first_loads"].append(first)
        out["loaded_at"].append(time.perf_counter())
        if first.status != "ok":
            return
        # client-side stepping: a click is drawn by the browser and sends nothing; the
        # server hears of the step once, when the student turns to the rest of the page
        view = student.view_data(args.view_key)
        before = student.slider_value(args.step_key)
        if view is not None:
            out["browser"] = True
            before = view["step"] + view["first"]
            last = view["first"] + len(view["tokens"]) - 1
        for _ in range(args.clicks):
            if args.scenario == "human":
                await asyncio.sleep(rng.uniform(1.0, 3.0))
            if view is not None:
                if before >= last:
                    break  # the last step: Next is disabled
                # the view's own state, as its JavaScript keeps it: one step on, 0 bytes
                run = Run(0.0, 0, 0, [], "ok")
                out["clicks"].append(run)
                after = before + 1
            else:
                if student.find(args.click_key, "button") is None:
                    break  # the last step: Next is gone or disabled
                run = await student.click(args.click_key, args.timeout)
                out["clicks"].append(run)
                after = student.slider_value(args.step_key)
            if run.status == "ok" and (before is None or after != before + 1):
                out["not_advanced"].append((i, before, after))
            before = after
            if run.status != "ok":
                break
        if view is not None and args.clicks and not args.no_sync:
            # then the student opens the quiz or the share box: the one message to the server
            run = await student.sync(args.view_key, before, 1, args.timeout)
            out["syncs"].append(run)
            if run.status == "ok" and not any(f"t = {before}," in t for t in student.texts):
                out["not_advanced"].append((i, before, student.texts[:3]))
    except Exception as exc:  # a refused or dropped connection is a result, not a crash
        out["errors"].append(f"student {i}: {type(exc).__name__}: {exc}"[:300])
    finally:
        await student.close()


async def trainer(i: int, args, out: dict) -> None:
    student = Student(args.url, args.train_page, "", cache=not args.no_cache)
    try:
        first = await student.open(args.timeout)
        out["first_loads"].append(first)
        if first.status != "ok":
            return
        run = await student.click(args.train_key, args.train_timeout)
        out["trainings"].append(run)
    except Exception as exc:
        out["errors"].append(f"trainer {i}: {type(exc).__name__}: {exc}"[:300])
    finally:
        await student.close()


async def run_class(args) -> dict:
    rng = random.Random(args.seed)
    out = {
        "loaded_at": [],
        "first_loads": [],
        "clicks": [],
        "syncs": [],
        "trainings": [],
        "not_advanced": [],
        "errors": [],
    }
    samples: list = []
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch(args.server_pid, samples, stop))
    await asyncio.sleep(0.3)  # a first sample before anyone arrives

    async def arrive(i: int) -> None:
        await asyncio.sleep(rng.uniform(0, args.ramp) if args.ramp else 0)
        if i < args.trainers:
            await trainer(i, args, out)
        else:
            await stepper(i, args, random.Random(args.seed * 1000 + i), out)

    start = time.perf_counter()
    tasks = [asyncio.create_task(arrive(i)) for i in range(args.students)]
    done, pending = await asyncio.wait(tasks, timeout=args.max_seconds)
    for task in pending:
        task.cancel()
    wall = time.perf_counter() - start
    await asyncio.sleep(0.3)
    stop.set()
    await watcher
    return summarise(args, out, samples, wall, cut_short=bool(pending))


def summarise(args, out: dict, samples: list, wall: float, cut_short: bool) -> dict:
    def ms(runs, q):
        v = _pct([r.seconds for r in runs], q)
        return None if v is None else round(1000 * v, 1)

    ok_clicks = [r for r in out["clicks"] if r.status == "ok"]
    ok_syncs = [r for r in out["syncs"] if r.status == "ok"]
    loads = [r for r in out["first_loads"] if r.status == "ok"]
    failed = [
        r.status
        for r in out["first_loads"] + out["clicks"] + out["syncs"] + out["trainings"]
        if r.status != "ok"
    ]
    exceptions = [
        e
        for r in out["first_loads"] + out["clicks"] + out["syncs"] + out["trainings"]
        for e in r.exceptions
    ]
    result = {
        "students": args.students,
        "trainers": args.trainers,
        "scenario": args.scenario,
        "clicks_per_student": args.clicks,
        "ramp_s": args.ramp,
        "page": args.page,
        "message_cache": not args.no_cache,
        "stepping": "browser (a click sends nothing; one sync per student at the end)"
        if out.get("browser")
        else "server",
        "wall_s": round(wall, 2),
        "cut_short": cut_short,
        "first_load_ms": {
            "p50": ms(loads, 50),
            "p95": ms(loads, 95),
            "max": ms(loads, 100),
            "n": len(loads),
        },
        "first_load_kb_mean": round(statistics.fmean([r.bytes for r in loads]) / 1024, 1)
        if loads
        else None,
        "click_ms": {
            "p50": ms(ok_clicks, 50),
            "p95": ms(ok_clicks, 95),
            "max": ms(ok_clicks, 100),
            "n": len(ok_clicks),
        },
        "click_kb_mean": round(statistics.fmean([r.bytes for r in ok_clicks]) / 1024, 2)
        if ok_clicks
        else None,
        "clicks_per_s_all": round(len(ok_clicks) / wall, 2) if wall else None,
        "clicks_reaching_server": sum(r.messages > 0 for r in ok_clicks),
        "sync_ms": {"p50": ms(ok_syncs, 50), "p95": ms(ok_syncs, 95), "n": len(ok_syncs)},
        "sync_kb_mean": round(statistics.fmean([r.bytes for r in ok_syncs]) / 1024, 2)
        if ok_syncs
        else None,
        "not_advanced": len(out["not_advanced"]),
        "not_advanced_examples": out["not_advanced"][:5],
        "errors": len(out["errors"]) + len(failed),
        "error_examples": (out["errors"] + failed)[:5],
        "exceptions": len(exceptions),
        "exception_examples": exceptions[:5],
    }
    if out["trainings"]:
        result["training_s"] = {
            "p50": round(_pct([r.seconds for r in out["trainings"]], 50), 2),
            "max": round(_pct([r.seconds for r in out["trainings"]], 100), 2),
            "n": len(out["trainings"]),
        }
    if samples:
        (t0, cpu0, rss0), (t1, cpu1, _) = samples[0], samples[-1]
        result["server"] = {
            "rss_mib_start": round(rss0),
            "rss_mib_max": round(max(s[2] for s in samples)),
            "rss_mib_end": round(samples[-1][2]),
            "cpu_s": round(cpu1 - cpu0, 2),
            "cpu_cores_mean": round((cpu1 - cpu0) / (t1 - t0), 2) if t1 > t0 else None,
        }
        # CPU per click: from the moment every stepper had its first page to the end
        if ok_clicks and out["loaded_at"]:
            after = [s for s in samples if s[0] >= max(out["loaded_at"])] or samples[-1:]
            clicks_after = sum(r.at > after[0][0] for r in ok_clicks) or len(ok_clicks)
            result["server"]["cpu_ms_per_click"] = round(
                1000 * (cpu1 - after[0][1]) / clicks_after, 1
            )
    return result


# --- the server ----------------------------------------------------------------------------


def wait_healthy(url: str, timeout: float) -> float:
    """Seconds until ``/_stcore/health`` answers ok."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} did not become healthy within {timeout} s")


def start_server(port: int, extra: list[str]) -> subprocess.Popen:
    """The app as a class gets it: ``app/serve.py`` (caches warm before the health check
    answers; ``SEQVIZ_WARM=0`` in the environment for a cold start)."""
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "app" / "serve.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8601")
    p.add_argument("--start", action="store_true", help="start a server on --url's port first")
    p.add_argument("--server-pid", type=int, help="the server process to sample (RSS, CPU)")
    p.add_argument("--page", default="rnn", help="url path of the page the steppers open")
    p.add_argument("--query", default="", help="query string of the steppers' link")
    p.add_argument("--students", type=int, default=10)
    p.add_argument("--clicks", type=int, default=10)
    p.add_argument("--scenario", choices=("human", "burst"), default="burst")
    p.add_argument("--ramp", type=float, default=0.0, help="students arrive within this many s")
    p.add_argument("--click-key", default="step_next")
    p.add_argument("--step-key", default="step", help="the slider that must advance per click")
    p.add_argument(
        "--view-key",
        default="step_view",
        help="the client-side step view; if the page has it, a click is its sync",
    )
    p.add_argument(
        "--no-sync",
        action="store_true",
        help="client-side stepping: no sync after the clicks (by default each student sends "
        "the step it stopped at once, as when turning to the quiz or the share box)",
    )
    p.add_argument("--trainers", type=int, default=0, help="K of the N students train")
    p.add_argument("--train-page", default="lm")
    p.add_argument("--train-key", default="lm_train")
    p.add_argument("--train-timeout", type=float, default=120.0)
    p.add_argument("--timeout", type=float, default=120.0, help="per load or click")
    p.add_argument("--max-seconds", type=float, default=600.0)
    p.add_argument("--no-cache", action="store_true", help="do not report cached messages")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label", default="run", help="name of this run in the results file")
    p.add_argument("--out", default=str(RESULTS / "load.json"))
    args = p.parse_args(argv)
    if not 1 <= args.students <= MAX_STUDENTS:
        p.error(f"--students must be 1 .. {MAX_STUDENTS}")
    if not 0 <= args.trainers <= args.students:
        p.error("--trainers must be 0 .. --students")
    args.max_seconds = min(args.max_seconds, 1800.0)
    return args


def main(argv=None) -> dict:
    args = parse(argv)
    server = None
    health_s = None
    if args.start:
        port = urlsplit(args.url).port or 80
        server = start_server(port, [])
        args.server_pid = server.pid
        health_s = wait_healthy(args.url, 300)
    try:
        result = asyncio.run(run_class(args))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
    result["server_started_by_benchmark"] = args.start
    if health_s is not None:
        result["healthy_after_s"] = round(health_s, 2)
    result["command"] = "python benchmarks/load.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    result["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(out.read_text()) if out.exists() else {}
    runs.setdefault("runs", {})[args.label] = result
    out.write_text(json.dumps(runs, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
