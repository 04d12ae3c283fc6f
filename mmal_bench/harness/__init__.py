"""The evaluation harness: protocols and suites, the active-learning loop, metrics, result files and
the executors that run cells locally or on Dask.

Entry points (imported from their modules, so that reading result files never pulls in torch):
`mmal_bench.harness.runner.run_suite` (what ``mmal-bench run`` calls), ``run_protocols`` /
``plan_cells`` for custom grids, `mmal_bench.harness.loop.run_group` for one group in memory.
"""
