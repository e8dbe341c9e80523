"""`python -m bench` from a source checkout: the performance benchmark (see bench/RESULTS.md)."""
from .cli import bench

bench(prog_name="python -m bench")
