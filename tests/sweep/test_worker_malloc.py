"""Workers keep array temporaries on the heap even when started with Dask's malloc settings.

A Dask nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which pins glibc's mmap
threshold at 128 KiB: every temporary array above that is mmapped and faulted in page by page.
The check counts minor page faults of a child process started with that setting while it
allocates and frees 1 MiB arrays, before and after :func:`keep_arrays_on_heap`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CHILD = """
import json, resource
import numpy as np
from critmin.sweep.run import keep_arrays_on_heap

def faults(n=200):
    np.ones(1 << 17).sum()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(n):
        np.ones(1 << 17).sum()  # 1 MiB, allocated and freed
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

untuned = faults()
tuned_ok = keep_arrays_on_heap()
print(json.dumps({"untuned": untuned, "tuned": faults(), "ok": tuned_ok, "again": keep_arrays_on_heap()}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc malloc tuning is Linux-only")
def test_worker_arrays_stop_page_faulting() -> None:
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    counts = json.loads(done.stdout)
    assert counts["ok"] and counts["again"]
    # 200 arrays of 256 pages each: about 51,200 faults when mmapped, next to none from the heap
    assert counts["untuned"] > 200 * 200
    assert counts["tuned"] < 200 * 5
