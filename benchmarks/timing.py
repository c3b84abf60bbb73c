"""Shared by the benchmarks: the median wall time of a few runs."""
import statistics
import time


def median_time(fn, repeats=3):
    """Median seconds of `repeats` calls of fn()."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
