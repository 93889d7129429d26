"""Anomaly detection: remember where each node was made, and fail on NaN gradients."""
from __future__ import annotations

import traceback
import warnings

enabled = False
check_nan_enabled = True


def check_nan(node, grads) -> None:
    """Raise if ``node`` produced NaN in any gradient (only while anomaly detection is on)."""
    if not check_nan_enabled:
        return
    import numpy as np
    for i, g in enumerate(grads):
        if g is not None and g._data.dtype.kind in "fc" and np.isnan(g._data).any():
            report(node)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def report(node) -> None:
    trace = node.__dict__.get("_anomaly_trace")
    if trace:
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the "
                      f"error:\n{''.join(trace)}", UserWarning, stacklevel=3)


def record(node) -> None:
    node.__dict__["_anomaly_trace"] = traceback.format_stack()[:-3]


class detect_anomaly:
    """Context manager: record forward tracebacks and check backward results for NaN."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = None
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and "
                      "should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        global enabled, check_nan_enabled
        self.prev = (enabled, check_nan_enabled)
        enabled, check_nan_enabled = True, self.check_nan

    def __exit__(self, *exc) -> None:
        global enabled, check_nan_enabled
        enabled, check_nan_enabled = self.prev

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (at once, or for a ``with`` block)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        global enabled, check_nan_enabled
        self.prev = (enabled, check_nan_enabled)
        enabled, check_nan_enabled = bool(mode), check_nan

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        global enabled, check_nan_enabled
        enabled, check_nan_enabled = self.prev


def is_anomaly_enabled() -> bool:
    return enabled


def is_anomaly_check_nan_enabled() -> bool:
    return check_nan_enabled
