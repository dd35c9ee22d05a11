#!/usr/bin/env python3
"""Agent fps and agent CPU time per frame with the live page and frame capture on vs off (issue 12).

Run through benchmarks/agent-observers.sh (it finds the built agent). The agent runs as the service (not --bench: the
bench opens no listener) on synthetic 640x480 JPEG frames, unpaced. Every figure comes from the agent's 1-second
summary lines: frames = difference of their `processed` counts, time = their arrival times, and the agent's CPU time
(utime + stime of the whole process, /proc/<pid>/stat) read as each line arrives; CPU per frame is far less noisy than
fps on a shared machine, because another process taking a core lowers fps but not the agent's CPU per frame.

Three parts (PARTS):
- paired: ONE agent with the page enabled; windows with no client ("closed": no request for longer than the page's
  5 s client timeout, so no frame copies either) alternate with windows in which a client is connected: `client`
  (benchmarks/live-page-client.py: one process, one kept-alive connection, what the page does) and `curl` (the
  earlier client: four curl processes per update). Each client window is compared with the closed windows on both
  sides of it. Before the measured windows, one unmeasured window per client lets the page's code be JIT-compiled and
  tiered up (the first requests of a fresh process cost far more than the steady state). With PAIRED_CAPTURE=1 a
  second agent does the same with capture of every 10th frame on (tmpfs).
- paced: the same with the source paced at PACED_FPS (30, a camera) and the keep-alive client only, PACED_ROUNDS (3)
  rounds: fps is the camera's, so the figure is the agent's CPU per second with a client minus without (the serving
  cost itself, what a device pays while someone watches).
- runs: separate agent processes per variant, interleaved, the order rotated each round: off, page-idle,
  page-client, page-curl, page-capture, capture10-<folder>, captureall-<folder>. A variant's client starts with its
  agent; every variant skips RUN_WARMUP (6) more summary lines before its window.

Settings (environment): SECONDS_PER_WINDOW (default 8), ROUNDS (paired part, default 4), RUN_ROUNDS (runs part,
default ROUNDS), PARTS (default "paired paced runs"), PACED_FPS, PACED_ROUNDS, RUN_WARMUP, VARIANTS (runs part, default all), WARMUP (summary lines skipped after
start, default 3), FOLDERS (capture folders, default "/dev/shm /var/tmp"), PAIRED_CAPTURE=1.
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CLIENT_TIMEOUT = 5.0  # LiveView.ClientTimeout
INTERVAL = 0.25  # the page's default update interval (4 per second)
HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")
SUMMARY = re.compile(r"Summary: [0-9.]+ fps.*?processed (\d+)")
CAPTURED = re.compile(r"Capture: (\d+) saved \(([0-9.]+) MB\), (\d+) dropped")


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


class Agent:
    """The agent process; a reader thread turns its summary lines into (time, processed, cpu ticks) samples."""

    def __init__(self, agent, bundle, port, work, name, extra):
        self.port = port
        self.log_path = os.path.join(work, name + ".log")
        self.samples = []
        self.captured = None
        self.cond = threading.Condition()
        args = ["dotnet", agent, f"--EdgeAgent:Bundle={bundle}", "--EdgeAgent:Source:Kind=synthetic",
                "--EdgeAgent:Source:PixelFormat=jpeg", "--EdgeAgent:Source:Width=640", "--EdgeAgent:Source:Height=480",
                "--EdgeAgent:Source:FramesPerSecond=0", "--EdgeAgent:SummarySeconds=1", "--EdgeAgent:StatusFile=",
                "--EdgeAgent:ReloadPollSeconds=0", "--EdgeAgent:LogEveryNthFrame=0",
                "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false",
                f"--EdgeAgent:LivePage:Port={port}", *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        with open(self.log_path, "w") as log:
            for line in self.proc.stdout:
                log.write(line)
                m = SUMMARY.search(line)
                if m:
                    try:
                        sample = (time.monotonic(), int(m.group(1)), cpu_ticks(self.proc.pid))
                    except (OSError, IndexError):
                        continue
                    with self.cond:
                        self.samples.append(sample)
                        self.cond.notify_all()
                m = CAPTURED.search(line)
                if m:
                    self.captured = (int(m.group(1)), float(m.group(2)), int(m.group(3)))

    def wait_samples(self, count, timeout):
        """Waits until `count` summary lines have arrived in all; False when the agent ended or took too long."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.samples) < count:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return False
                self.cond.wait(min(left, 1.0))
        return True

    def window(self, seconds):
        """Measures the next `seconds` summary intervals: (fps, agent CPU ms per frame, agent cores busy)."""
        start = len(self.samples)
        if not self.wait_samples(start + 1 + seconds, 30 + 3 * seconds):
            return None
        (t0, n0, c0), (t1, n1, c1) = self.samples[start], self.samples[start + seconds]
        frames, span, cpu = n1 - n0, t1 - t0, (c1 - c0) / TICK
        if frames <= 0 or span <= 0:
            return None
        return frames / span, 1000 * cpu / frames, cpu / span

    def skip(self, seconds):
        self.wait_samples(len(self.samples) + seconds, 30 + 3 * seconds)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=10)


class Client:
    """A page client in its own process; stop() returns its CPU seconds (its children's included) and its summary."""

    count = 0

    def __init__(self, kind, port, work):
        Client.count += 1
        self.kind = kind
        self.out = os.path.join(work, f"client-{Client.count}.json")
        self.started = time.monotonic()
        if kind == "client":
            self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "live-page-client.py"), str(port), str(INTERVAL), self.out])
        else:
            # The earlier client: a curl process per request, state.json twice per update (as benchmarks/agent-observers.sh did).
            u = f"http://127.0.0.1:{port}"
            loop = (f'while [ ! -e "{self.out}.stop" ]; do curl -s -o /dev/null {u}/state.json && curl -s -o /dev/null {u}/frame '
                    f'&& curl -s -o /dev/null {u}/input.png && curl -s -o /dev/null {u}/state.json || true; sleep {INTERVAL}; done')
            self.proc = subprocess.Popen(["bash", "-c", loop])

    def stop(self):
        if self.kind == "client":
            os.kill(self.proc.pid, signal.SIGTERM)  # not Popen.send_signal: it would reap an exited client before wait4
        else:
            open(self.out + ".stop", "w").close()
        _, _, usage = os.wait4(self.proc.pid, 0)  # the child's CPU time, with that of the children it waited for
        self.proc.returncode = 0
        cpu = usage.ru_utime + usage.ru_stime
        summary = {}
        if self.kind == "client":
            try:
                with open(self.out) as f:
                    summary = json.load(f)
            except (OSError, ValueError):
                pass
        return cpu, time.monotonic() - self.started, summary


class Bench:
    def __init__(self, agent, bundle, work):
        self.agent, self.bundle, self.work = agent, bundle, work
        self.seconds = int(os.environ.get("SECONDS_PER_WINDOW", "8"))
        self.rounds = int(os.environ.get("ROUNDS", "4"))
        self.run_rounds = int(os.environ.get("RUN_ROUNDS", str(self.rounds)))
        self.warmup = int(os.environ.get("WARMUP", "3"))
        self.run_warmup = int(os.environ.get("RUN_WARMUP", "6"))
        self.paced_fps = int(os.environ.get("PACED_FPS", "30"))
        self.folders = os.environ.get("FOLDERS", "/dev/shm /var/tmp").split()
        self.port = 20000 + os.getpid() % 20000
        self.ages = []
        self.client_load = {}  # kind -> [(cpu seconds, wall seconds, requests, connections)]
        self.rows = []  # (part, round, variant, fps, cpu ms/frame, cores)

    def start(self, name, extra, client=None):
        """Starts an agent (and, when `client` names one, that client at once) and waits for WARMUP summary lines."""
        self.port += 1
        a = Agent(self.agent, self.bundle, self.port, self.work, name, extra)
        a.client = Client(client, a.port, self.work) if client else None
        if not a.wait_samples(self.warmup, 120):
            print(f"  {name}: the agent did not start (see {a.log_path})", flush=True)
            a.stop()
            if a.client:
                a.client.stop()
            return None
        return a

    def client_stopped(self, kind, stopped):
        cpu, wall, summary = stopped
        self.client_load.setdefault(kind, []).append((cpu, wall, summary.get("requests"), summary.get("connections")))
        self.ages.extend(summary.get("ages", []))

    def client_window(self, agent, kind):
        client = Client(kind, agent.port, self.work)
        agent.skip(1)  # the client's start and first requests
        measured = agent.window(self.seconds)
        self.client_stopped(kind, client.stop())
        return measured

    def record(self, part, rnd, variant, measured):
        if measured is None:
            print(f"  {part} round {rnd} {variant}: no figure", flush=True)
            return
        fps, ms, cores = measured
        self.rows.append((part, rnd, variant, fps, ms, cores))
        print(f"  {part} round {rnd} {variant:<22} {fps:9.1f} fps  {1000 * ms:8.1f} us CPU/frame  {cores:4.2f} cores  (load {load()})", flush=True)

    def paired(self, name, extra, kinds=("client", "curl"), rounds=None):
        agent = self.start(name, ["--EdgeAgent:LivePage:Enabled=true", *extra])
        if agent is None:
            return
        try:
            # Not measured: the first requests JIT-compile the page's code (JSON, PNG encoder, listener) and tier it up.
            for kind in kinds:
                warm = Client(kind, agent.port, self.work)
                agent.skip(2 * self.seconds if kind == "client" else self.seconds)
                warm.stop()
            for rnd in range(1, (rounds or self.rounds) + 1):
                for kind in kinds:
                    agent.skip(int(CLIENT_TIMEOUT) + 1)  # the last client's copies stop 5 s after its last request
                    self.record(name, rnd, "closed", agent.window(self.seconds))
                    self.record(name, rnd, kind, self.client_window(agent, kind))
            agent.skip(int(CLIENT_TIMEOUT) + 1)
            self.record(name, (rounds or self.rounds) + 1, "closed", agent.window(self.seconds))
        finally:
            agent.stop()

    def variants(self):
        shm = f"/dev/shm/edgeagent-capture-bench-{os.getpid()}"
        page = ["--EdgeAgent:LivePage:Enabled=true"]
        v = {"off": ([], None), "page-idle": (page, None), "page-client": (page, "client"), "page-curl": (page, "curl"),
             "page-capture": (page + [f"--EdgeAgent:Capture:Folder={shm}", "--EdgeAgent:Capture:EveryNthFrame=10"], "client")}
        for folder in self.folders:
            tag = os.path.basename(folder.rstrip("/")) or "root"
            d = os.path.join(folder, f"edgeagent-capture-bench-{os.getpid()}")
            v[f"capture10-{tag}"] = ([f"--EdgeAgent:Capture:Folder={d}", "--EdgeAgent:Capture:EveryNthFrame=10", "--EdgeAgent:Capture:BudgetMegabytes=256"], None)
            v[f"captureall-{tag}"] = ([f"--EdgeAgent:Capture:Folder={d}", "--EdgeAgent:Capture:BelowProbability=1", "--EdgeAgent:Capture:BudgetMegabytes=256"], None)
        chosen = os.environ.get("VARIANTS")
        if chosen:
            unknown = [n for n in chosen.split() if n not in v]
            if unknown:
                sys.exit(f"VARIANTS: unknown {' '.join(unknown)}; known: {' '.join(v)}")
            v = {n: v[n] for n in chosen.split()}
        return v

    def runs(self):
        variants = self.variants()
        names = list(variants)
        for rnd in range(1, self.run_rounds + 1):
            k = (rnd - 1) % len(names)
            for name in names[k:] + names[:k]:
                extra, client = variants[name]
                agent = self.start(name, extra, client)
                if agent is None:
                    continue
                try:
                    agent.skip(self.run_warmup)  # every variant alike: the page's code JIT-compiled and tiered up by then
                    measured = agent.window(self.seconds)
                finally:
                    if agent.client:
                        self.client_stopped(agent.client.kind, agent.client.stop())
                    agent.stop()
                    for arg in extra:
                        if arg.startswith("--EdgeAgent:Capture:Folder="):
                            subprocess.run(["rm", "-rf", arg.split("=", 1)[1]], check=False)
                self.record("runs", rnd, name, measured)
                if agent.captured and name.startswith("capture"):
                    saved, mb, dropped = agent.captured
                    print(f"    {name}: {saved} saved ({mb} MB), {dropped} dropped in the run", flush=True)

    def report(self):
        print("\n=== paired and paced (one agent each; every client window against the closed windows on both sides of it)")
        for name in dict.fromkeys(r[0] for r in self.rows if r[0] != "runs"):
            rows = [r for r in self.rows if r[0] == name]
            closed = [r for r in rows if r[2] == "closed"]
            print(f"{name}: {len(closed)} closed windows: fps {fmt([r[3] for r in closed])}; agent CPU us/frame {fmt([1000 * r[4] for r in closed])}; "
                  f"agent CPU ms/s {fmt([1000 * r[5] for r in closed])}")
            for kind in ("client", "curl"):
                fps, per_frame, per_second = [], [], []
                for i, inside in enumerate(rows):
                    if inside[2] != kind:
                        continue
                    around = [r for r in (rows[i - 1] if i > 0 else None, rows[i + 1] if i + 1 < len(rows) else None) if r and r[2] == "closed"]
                    if not around:
                        continue
                    fps.append(inside[3] / statistics.mean(r[3] for r in around))
                    per_frame.append(100 * (inside[4] / statistics.mean(r[4] for r in around) - 1))
                    per_second.append(1000 * (inside[5] - statistics.mean(r[5] for r in around)))
                if fps:
                    print(f"  {kind:<7} fps ratio to closed: median {statistics.median(fps):.3f} (windows: {' '.join(f'{x:.3f}' for x in fps)})")
                    print(f"  {kind:<7} agent CPU per frame vs closed: median {statistics.median(per_frame):+.1f} % (windows: {' '.join(f'{x:+.1f}' for x in per_frame)})")
                    print(f"  {kind:<7} agent CPU per second vs closed: median {statistics.median(per_second):+.1f} ms/s (windows: {' '.join(f'{x:+.1f}' for x in per_second)})")
        runs = [r for r in self.rows if r[0] == "runs"]
        if runs:
            print("\n=== runs (a fresh agent per run; ratio = median over rounds of the variant against the same round's off)")
            print(f"{'variant':<22} {'median fps':>10} {'fps/off':>8} {'CPU us/frame':>13} {'CPU/frame vs off':>17}  runs (fps)")
            off = {r[1]: r for r in runs if r[2] == "off"}
            for name in dict.fromkeys(r[2] for r in runs):
                rs = [r for r in runs if r[2] == name]
                ratios = [r[3] / off[r[1]][3] for r in rs if r[1] in off]
                cpu = [r[4] / off[r[1]][4] for r in rs if r[1] in off]
                print(f"{name:<22} {statistics.median(r[3] for r in rs):10.1f} {(statistics.median(ratios) if ratios else 0):8.3f} "
                      f"{1000 * statistics.median(r[4] for r in rs):13.1f} {(100 * (statistics.median(cpu) - 1) if cpu else 0):+16.1f}%  "
                      f"{' '.join(f'{r[3]:.0f}' for r in rs)}")
        if self.client_load:
            print("\n=== the clients' own CPU (on this machine; a real viewer's browser runs elsewhere)")
            for kind, loads in self.client_load.items():
                cpu, wall = sum(x[0] for x in loads), sum(x[1] for x in loads)
                extra = ""
                if kind == "client":
                    req, conn = sum(x[2] or 0 for x in loads), sum(x[3] or 0 for x in loads)
                    extra = f", {req} requests over {conn} connections"
                print(f"  {kind:<7} {1000 * cpu / wall:6.1f} ms CPU per second ({100 * cpu / wall:.1f} % of a core){extra}")
        if self.ages:
            a = sorted(self.ages)
            q = lambda p: a[min(len(a) - 1, int(p * len(a)))]
            print(f"\npage update latency (age of the frame state.json shows when served), {len(a)} polls: "
                  f"p50 {q(0.5):.0f} ms, p90 {q(0.9):.0f} ms, p99 {q(0.99):.0f} ms, max {a[-1]:.0f} ms")


def fmt(values):
    return f"median {statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f})" if values else "none"


def main():
    agent, bundle = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="agent-observers.") as work:
        bench = Bench(agent, bundle, work)
        parts = os.environ.get("PARTS", "paired paced runs").split()
        print(f"agent {agent}, bundle {bundle}; {os.cpu_count()} cores; windows of {bench.seconds} s, {bench.rounds} rounds, "
              f"parts: {' '.join(parts)}; load {load()}", flush=True)
        started = time.monotonic()
        if "paired" in parts:
            bench.paired("paired-page", [])
            if os.environ.get("PAIRED_CAPTURE") == "1":
                bench.paired("paired-page-capture", [f"--EdgeAgent:Capture:Folder=/dev/shm/edgeagent-capture-bench-{os.getpid()}p",
                                                     "--EdgeAgent:Capture:EveryNthFrame=10"])
                subprocess.run(["rm", "-rf", f"/dev/shm/edgeagent-capture-bench-{os.getpid()}p"], check=False)
        if "paced" in parts:
            bench.paired("paced-page", [f"--EdgeAgent:Source:FramesPerSecond={bench.paced_fps}"], kinds=("client",),
                         rounds=int(os.environ.get("PACED_ROUNDS", "3")))
        if "runs" in parts:
            bench.runs()
        bench.report()
        print(f"\n{time.monotonic() - started:.0f} s in all; load after: {load()}")


if __name__ == "__main__":
    main()
