#!/usr/bin/env python3
"""Cold start of one gateway replica, for the load benchmark's cold-start scenario.

  coldstart.py ready PORT -- COMMAND...            time from spawn to the first 200 of /healthz/ready
  coldstart.py load PORT SECONDS WRK_ARGS_FILE -- COMMAND...  spawn, and load it from its first moment

Prints one JSON object. `ready` reports ready_ms (spawn to the first 200, polled every 5 ms) and the key source
the readiness answer names (idp or redis). `load` puts the replica under load as soon as its port accepts
connections (wrk gives up on a refused first connection, so it starts then: listen_ms) and reports the 2xx
responses completed within SECONDS of the spawn, counted by coldstart.lua on the monotonic clock (the
deadline and the spawn time are appended to wrk's arguments) in total and per quarter second since the spawn
(buckets), and the ready time seen by a poller beside the load. Every wait is
bounded; the process it started is stopped by PID (SIGTERM, then SIGKILL after 10 s), also on error or interruption.
"""
import socket
import http.client
import json
import re
import signal
import subprocess
import sys
import time


def ready_once(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/healthz/ready")
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        conn.close()
        return response.status, body
    except OSError:
        return None, ""


def wait_ready(port, start, deadline_s=60):
    while time.monotonic() - start < deadline_s:
        status, body = ready_once(port)
        if status == 200:
            return (time.monotonic() - start) * 1000, body
        time.sleep(0.005)
    return None, ""


def wait_listening(port, start, deadline):
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return (time.monotonic() - start) * 1000
        except OSError:
            time.sleep(0.002)
    return None


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def sources(body):
    try:
        return sorted({i.get("source", "?") for i in json.loads(body).get("issuers", {}).values()})
    except ValueError:
        return []


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    rest = sys.argv[3:]
    wrk_args, seconds = [], 0.0
    if mode == "load":
        seconds = float(rest[0])
        wrk_args = open(rest[1]).read().split("\0")[:-1]
        rest = rest[2:]
    command = rest[rest.index("--") + 1:]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log = open(f"coldstart-{port}.log", "w")
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    wrk = None
    try:
        if mode == "ready":
            ready_ms, body = wait_ready(port, start)
            print(json.dumps({"ready_ms": ready_ms, "sources": sources(body)}))
        else:
            deadline = start + seconds
            listen_ms = wait_listening(port, start, deadline)
            if listen_ms is None:
                print(json.dumps({"listen_ms": None, "ready_ms_under_load": None, "served": 0}))
                return
            # wrk runs whole seconds: long enough to pass the deadline; only responses before it count.
            duration = max(1, int(deadline - time.monotonic()) + 1)
            at = wrk_args.index("wrk") + 1
            command_line = wrk_args[:at] + [f"-d{duration}s"] + wrk_args[at:] + [repr(deadline), repr(start)]
            wrk = subprocess.Popen(command_line, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            ready_ms, _ = wait_ready(port, start, seconds + 30)
            out, _ = wrk.communicate(timeout=duration + 60)
            served = re.search(r"coldstart: served (\d+) late (\d+)", out)
            buckets = re.search(r"coldstart: buckets ([0-9.]+) ([0-9,]*)", out)
            if served is None:
                sys.stderr.write(out)
            print(json.dumps({"listen_ms": listen_ms, "ready_ms_under_load": ready_ms,
                              "served": int(served.group(1)) if served else 0,
                              "bucket_s": float(buckets.group(1)) if buckets else None,
                              "buckets": [int(n) for n in buckets.group(2).split(",") if n] if buckets else []}))
    finally:
        if wrk is not None and wrk.poll() is None:
            wrk.kill()
            wrk.wait(timeout=10)
        stop(process)


if __name__ == "__main__":
    main()
