"""The benchmark behind `make bench` (`python -m tests.bench`).

It prints figures and asserts nothing: completed applications per second and p50/p99
latency through the orchestrator, the same figures for a bare gRPC fan-out to three echo
servers measured in the same run (this machine's ceiling, so the ratio survives a noisy
machine), and households per second through the rules alone, in process.

No module here is named test_*: pytest must not collect the benchmark.
"""
