"""The benchmark suite: ``python -m benchmarks [--quick]``. See docs/benchmarks.md."""
