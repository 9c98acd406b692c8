"""python -m tests.fuzz [--requests N]: fuzz the whole stack, started as a user starts it,
and print how many requests ended in each status code.

The generators are the ones tests/integration/test_fuzz.py uses. A run fails (exit 1)
when any request ends INTERNAL or UNKNOWN or a service stops serving.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from services.cli.stack import Stack, StackError, running_stack
from tests.fuzz.generators import KINDS, Method, any_request, hostile, methods
from tests.fuzz.grid import grid, terminal_width

NEVER = ("INTERNAL", "UNKNOWN")
# How long a stream is listened to, in seconds.
STREAM_WINDOW = 0.5
# Codes a hostile request is expected to meet; the first message of any other is shown.
EXPECTED = (
    "OK",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "FAILED_PRECONDITION",
    "PERMISSION_DENIED",
)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000, help="requests to send (10000)")
    parser.add_argument("--timeout", type=float, default=30.0, help="deadline of one call, s (30)")
    parser.add_argument("--data-dir", type=Path, help="keep the stack's data and logs here")
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be positive")
    return args


def label(method: Method) -> str:
    """Four services have a ReceiveChange: the service's name keeps their counts apart."""
    return f"{method.home}.{method.name}"


class Tally:
    def __init__(self) -> None:
        self.codes: Counter[str] = Counter()
        self.by_method: Counter[tuple[str, str]] = Counter()
        self.by_kind: Counter[tuple[str, str]] = Counter()
        self.worst: dict[str, str] = {}

    def add(self, method: str, kind: str, code: str, message: str) -> None:
        self.codes[code] += 1
        self.by_method[(method, code)] += 1
        self.by_kind[(kind, code)] += 1
        if code not in EXPECTED:
            self.worst.setdefault(f"{method} {code}", message[:200])

    def render(self, elapsed: float, serving: dict[str, bool], width: int | None = None) -> str:
        """The totals, then requests by method and by kind against each status code, every
        name in full, in lines no wider than ``width`` (the terminal's by default)."""
        width = width or terminal_width()
        total = sum(self.codes.values())
        codes = sorted(self.codes, key=lambda c: -self.codes[c])
        lines = [f"{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s)", ""]
        lines += grid("status code", codes, ["requests"], lambda c, _: self.codes[c], width)
        methods = sorted({m for m, _ in self.by_method})
        lines += ["", *grid("method", methods, codes, lambda m, c: self.by_method[(m, c)], width)]
        lines += ["", *grid("kind", KINDS, codes, lambda k, c: self.by_kind[(k, c)], width)]
        lines += [
            "",
            "still SERVING: "
            + ", ".join(f"{n} {'yes' if ok else 'NO'}" for n, ok in serving.items()),
        ]
        for where, message in self.worst.items():
            lines.append(f"first {where}: {message}")
        return "\n".join(lines)


def fuzz(stack: Stack, args: argparse.Namespace) -> tuple[Tally, dict[str, bool]]:
    # Agencies are fuzzed as the orchestrator, the one caller they let past the gate, so the
    # generated messages reach their validation; the orchestrator as a caseworker tool.
    # A method whose policy admits only some purposes is called declaring one of them.
    channels = {
        (name, None, None): stack.channel(
            name, identity=None if name == "orchestrator" else "orchestrator"
        )
        for name in stack.ports
    }
    every = methods()
    for method in every:
        if method.channel_key not in channels:
            channels[method.channel_key] = stack.channel(
                method.home,
                identity=method.caller
                or (None if method.home == "orchestrator" else "orchestrator"),
                purpose=method.purpose,
            )
    tally = Tally()

    def send(method: Method, raw: bytes) -> tuple[str, str]:
        channel = channels[method.channel_key]
        try:
            if method.server_streaming:
                # A stream still open after a moment is answering as meant.
                for _ in channel.unary_stream(method.path)(raw, timeout=STREAM_WINDOW):
                    pass
            else:
                channel.unary_unary(method.path)(raw, timeout=args.timeout)
        except grpc.RpcError as error:
            code = error.code().name  # type: ignore[attr-defined]
            if method.server_streaming and code == "DEADLINE_EXCEEDED":
                return "OK", ""
            return code, error.details() or ""  # type: ignore[attr-defined]
        return "OK", ""

    @settings(
        max_examples=max(1, args.requests - len(hostile())),
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def send_one(data: st.DataObject) -> None:
        method = data.draw(st.sampled_from(every))
        kind, raw = data.draw(any_request(method))
        code, message = send(method, raw)
        tally.add(label(method), kind, code, message)
        done = sum(tally.codes.values())
        if done % 1000 == 0:
            print(f"... {done} requests", file=sys.stderr, flush=True)

    by_path = {m.path: m for m in every}
    try:
        # The hand-picked cases once each, timed, before the generated ones.
        cases = hostile()
        named = max(len("hand-picked case"), *(len(name) for name, _, _ in cases))
        coded = max(len(code.name) for code in grpc.StatusCode)
        print(f"{'hand-picked case':<{named}}  {'status code':>{coded}}{'ms':>10}")
        for name, path, raw in cases:
            started = time.perf_counter()
            code, message = send(by_path[path], raw)
            took = (time.perf_counter() - started) * 1000
            print(f"{name:<{named}}  {code:>{coded}}{took:>10.1f}")
            tally.add(label(by_path[path]), "hostile", code, message)
        print()
        send_one()
        serving = {}
        for (name, caller, purpose), channel in channels.items():
            if caller or purpose:
                continue
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=10
            )
            serving[name] = reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        for channel in channels.values():
            channel.close()
    return tally, serving


def run(args: argparse.Namespace, data_dir: Path) -> int:
    print(f"starting the stack in {data_dir} ...", file=sys.stderr, flush=True)
    stack = Stack.on_free_ports(data_dir, extra_env={"ELIG_HOST": "127.0.0.1"})
    with running_stack(stack):
        started = time.perf_counter()
        tally, serving = fuzz(stack, args)
        elapsed = time.perf_counter() - started
    print(tally.render(elapsed, serving))
    failed = any(tally.codes[c] for c in NEVER) or not all(serving.values())
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    args = parse(argv)
    try:
        if args.data_dir:
            return run(args, args.data_dir)
        with tempfile.TemporaryDirectory(prefix="elig-fuzz-") as tmp:
            return run(args, Path(tmp))
    except StackError as error:
        print(f"the stack did not start: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
