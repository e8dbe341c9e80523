"""`rapid-response bench`: the engine's performance against its targets (see bench/RESULTS.md).

Measures the engine package directly (no Flask) and the web app only from the outside, over HTTP.
"""
