"""Benchmarks: scripts run from a checkout (`python bench/bench_*.py`) and the suite behind
`metrics-bot bench` (bench/suite.py), installed with the app like sandbox/, whose simulated
org and local fakes they run on."""
