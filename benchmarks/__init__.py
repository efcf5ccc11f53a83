"""Benchmarks: this project side by side with micrograd, DeZero, PyTorch and NumPy.

Run ``python -m benchmarks`` from the repository root (``--help`` lists the
options, ``--quick`` is a short run). See BENCHMARKS.md for the latest table.

NumPy (and PyTorch's OpenMP) must use one thread on the small shared machines
these run on, or the hand-written NumPy baseline is distorted; the variables
are set here, before anything imports NumPy, and worker processes inherit them.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
