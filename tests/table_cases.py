"""Inputs for tests generated from the table of operations (shared by several test modules)."""

from __future__ import annotations

import random

from autograd_core import Operation


def sample_point(row: Operation, rng: random.Random, nary_inputs: int = 4) -> list[float]:
    """Random inputs inside the row's domain, at least 0.01 away from its kinks.

    A row of any arity that declares one interval gets ``nary_inputs`` inputs
    drawn from it; otherwise one input per declared interval.
    """
    if row.arity is not None or len(row.domain) > 1:
        intervals = row.domain
    else:
        intervals = row.domain * nary_inputs
    point = []
    for low, high in intervals:
        x = rng.uniform(low, high)
        while any(abs(x - kink) <= 0.01 for kink in row.kinks):
            x = rng.uniform(low, high)
        point.append(x)
    return point


def constants_of(row: Operation) -> list[float | None]:
    """The constants to try for a row: its examples, or just None."""
    return list(row.constant_examples) if row.takes_constant else [None]
