#!/usr/bin/env python3
"""What the live page does in a browser, as one light process with one kept-alive HTTP connection.

Every INTERVAL seconds (after the previous update finished, like the page's setTimeout): GET state.json; when the
frame sequence changed, GET frame and input.png. On SIGTERM it writes a JSON summary to OUT: requests, connections
opened, failures, its own CPU seconds, and the age of the frame each state.json showed (server time - frame time;
from the third poll on: the first ones may show a frame copied for an earlier session).

Usage: live-page-client.py <port> <interval-seconds> <out.json>
"""
import datetime
import http.client
import json
import resource
import signal
import sys
import time


class Stop(Exception):
    pass


def on_term(*_):
    raise Stop()


def parse_time(text):
    # .NET writes 7 fractional digits; fromisoformat takes at most 6 before Python 3.11's wider parser.
    head, sep, tail = text.partition(".")
    if sep:
        digits = "".join(c for c in tail if c.isdigit())
        tail = digits[:6] + tail[len(digits):]
        text = head + "." + tail
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def main():
    port, interval, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    stats = {"requests": 0, "connections": 0, "failures": 0, "stateBytes": 0, "imageBytes": 0, "ages": []}
    conn = None

    def get(path):
        nonlocal conn
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.connect()
                stats["connections"] += 1
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            stats["requests"] += 1
            if response.will_close:
                conn.close()
                conn = None
            return response.status, body
        except (OSError, http.client.HTTPException):
            stats["failures"] += 1
            if conn is not None:
                conn.close()
            conn = None
            return None, b""

    signal.signal(signal.SIGTERM, on_term)
    last = None
    polls = 0
    try:
        while True:
            status, body = get("/state.json")
            try:
                state = json.loads(body) if status == 200 else None
            except ValueError:  # cut short (the agent stopping)
                stats["failures"] += 1
                state = None
            if state is not None:
                stats["stateBytes"] += len(body)
                frame = state.get("frame")
                polls += 1
                if frame and polls > 2:  # the first answers may show the frame of an earlier session, copied before it
                    stats["ages"].append((parse_time(state["time"]) - parse_time(frame["time"])).total_seconds() * 1000)
                if frame and frame["sequence"] != last:
                    last = frame["sequence"]
                    for path in (f"/frame?seq={last}", f"/input.png?seq={last}"):
                        _, image = get(path)
                        stats["imageBytes"] += len(image)
            time.sleep(interval)
    except (Stop, KeyboardInterrupt):
        pass
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats["cpuSeconds"] = usage.ru_utime + usage.ru_stime
    with open(out, "w") as f:
        json.dump(stats, f)


if __name__ == "__main__":
    main()
