"""Real-world multimodal datasets in the benchmark schema (registered into `mmal_bench.data.registry`).

Importing this package registers its entries; `mmal_bench.data.catalog` imports it.
"""
