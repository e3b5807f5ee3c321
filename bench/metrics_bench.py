"""What the metrics cost on the hot path: the hooks one push runs, timed in-process.

Usage: .venv/bin/python bench/metrics_bench.py [--pushes 200000]

A push in a session of 4 runs: received("push"), one store commit timed (two perf_counter calls),
push("accepted", seconds), and sent() once for the `updates` frame to 4 peers (Hub.broadcast counts
once per frame, not per peer). Prints the CPU per push of those hooks, against the server's whole CPU per
keystroke measured by bench/load.py --compare (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import time

from interview_server import protocol
from interview_server.metrics import Metrics
from interview_server.protocol import Update


def hooks_per_push(pushes: int) -> float:
    """Seconds of CPU per push spent in the metrics hooks."""
    metrics = Metrics("memory")
    frame = protocol.updates(41, [Update("c-1", [120, [0, "abcd"], 300])])
    started = time.process_time()
    for _ in range(pushes):
        arrived = time.perf_counter()
        metrics.received("push")
        commit_started = time.perf_counter()
        metrics.commit(time.perf_counter() - commit_started)
        metrics.sent(frame, 4)
        metrics.push("accepted", time.perf_counter() - arrived)
    return (time.process_time() - started) / pushes


def one_hook_each(calls: int) -> dict[str, float]:
    """Seconds of CPU per call of each hook alone."""
    metrics = Metrics("memory")
    frame = protocol.updates(41, [Update("c-1", [120, [0, "abcd"], 300])])
    hooks = {
        "received": lambda: metrics.received("push"),
        "sent (4 recipients)": lambda: metrics.sent(frame, 4),
        "push (counter + histogram)": lambda: metrics.push("accepted", 0.002),
        "commit (histogram)": lambda: metrics.commit(0.002),
        "perf_counter": time.perf_counter,
        "empty call": lambda: None,
    }
    costs = {}
    for name, hook in hooks.items():
        started = time.process_time()
        for _ in range(calls):
            hook()
        costs[name] = (time.process_time() - started) / calls
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=200_000)
    args = parser.parse_args()
    runs = sorted(hooks_per_push(args.pushes) for _ in range(5))
    print(f"metrics hooks per push: median {runs[2] * 1e6:.2f} us (min {runs[0] * 1e6:.2f}, max {runs[-1] * 1e6:.2f})")
    for name, seconds in one_hook_each(args.pushes).items():
        print(f"  {name:28} {seconds * 1e6:.2f} us a call")


if __name__ == "__main__":
    main()
