"""Code only the tests and the benchmarks use: the running test lab, readers of rendered
configuration files, synthetic Dzongkhags and their discovery. It is not part of the ``dzict``
package and is not installed with it.

pytest finds it through ``pythonpath`` in pyproject.toml (imported as ``support``); a benchmark
puts ``tests/`` on ``sys.path`` first (see ``bench/bench_lab.py``).
"""
