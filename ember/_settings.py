"""Process-wide settings that PyTorch scripts call: threads, determinism, matmul precision,
the default device, denormal flushing, warning frequency, anomaly mode and ``compile``.

Each setting is checked and reported as PyTorch does.  Where ember has the machinery the
setting takes effect: the thread count sizes ember's elementwise thread pool
(``ember.backends.cpu``), the default device is the one factories use, anomaly mode is
``ember.autograd``'s, and flushing denormals sets the CPU's FTZ/DAZ flags.  The others are
recorded only: ember's CPU ops are deterministic, its float32 matmuls always run at full
precision, and it has no compiler, so ``compile`` hands the model back unchanged.
"""
from __future__ import annotations

import os
import sys
import warnings

from . import _device
from .autograd import anomaly_mode as _anomaly
from .backends import cpu as _cpu


def _type_name(value) -> str:
    return type(value).__name__


# -- threads --------------------------------------------------------------------------------------

def set_num_threads(threads: int, /) -> None:
    """Set how many threads ember's large elementwise kernels use."""
    if type(threads) is not int:
        raise RuntimeError(f"set_num_threads expects an int, but got {_type_name(threads)}")
    if threads <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _cpu.set_num_threads(threads)


def get_num_threads() -> int:
    """The number of threads ember's large elementwise kernels use."""
    return _cpu.get_num_threads()


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


_interop = {"threads": None}


def set_num_interop_threads(threads: int, /) -> None:
    """Record the inter-op thread count (settable once, as in PyTorch; ember runs ops in order)."""
    if type(threads) is not int:
        raise RuntimeError(f"set_num_interop_threads expects an int, but got "
                           f"{_type_name(threads)}")
    if threads <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    if _interop["threads"] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has "
                           "started or set_num_interop_threads called")
    _interop["threads"] = threads


def get_num_interop_threads() -> int:
    """The inter-op thread count (the number of cores unless set)."""
    threads = _interop["threads"]
    return _cores() if threads is None else threads


# -- determinism ------------------------------------------------------------------------------------

_deterministic = {"enabled": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record whether only deterministic algorithms may run (ember's always are)."""
    if type(mode) is not bool:
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {_type_name(mode)}")
    if type(warn_only) is not bool:
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {_type_name(warn_only)}")
    _deterministic["enabled"] = mode
    _deterministic["warn_only"] = warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is in force."""
    return _deterministic["enabled"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether deterministic mode only warns instead of raising."""
    return _deterministic["warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode) -> None:
    """0/'default': off; 1/'warn': deterministic, warn only; 2/'error': deterministic."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif isinstance(debug_mode, int):
        if debug_mode not in (0, 1, 2):
            raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                               f"{debug_mode}")
    else:
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """The current debug mode as 0, 1 or 2 (see ``set_deterministic_debug_mode``)."""
    if not _deterministic["enabled"]:
        return 0
    return 1 if _deterministic["warn_only"] else 2


# -- float32 matmul precision -------------------------------------------------------------------------

_matmul = {"precision": "highest"}


def set_float32_matmul_precision(precision: str) -> None:
    """Record 'highest', 'high' or 'medium' (ember's float32 matmuls always use full float32)."""
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got "
                           f"{_type_name(precision)}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _matmul["precision"] = precision


def get_float32_matmul_precision() -> str:
    """The recorded float32 matmul precision ('highest' unless set)."""
    return _matmul["precision"]


# -- default device -----------------------------------------------------------------------------------

def set_default_device(device) -> None:
    """Make factories called without ``device=`` create tensors on ``device`` (None: the CPU)."""
    _device._default[0] = None if device is None else _device.as_device(device)


# -- denormals -----------------------------------------------------------------------------------------

_FTZ_DAZ = 0x8040  # MXCSR flush-to-zero (bit 15) and denormals-are-zero (bit 6)
_MXCSR_OFFSET = 28  # of the mxcsr field in glibc's x86-64 fenv_t (32 bytes)


def _fenv():
    """glibc's libm (for fegetenv/fesetenv) on x86-64 Linux; None elsewhere."""
    import ctypes
    import ctypes.util
    import platform
    if not (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")):
        return None
    name = ctypes.util.find_library("m")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def set_flush_denormal(mode: bool) -> bool:
    """Treat subnormal floats as zero on this thread's CPU (x86-64); returns whether supported."""
    import ctypes
    libm = _fenv()
    if libm is None:
        return False
    env = ctypes.create_string_buffer(32)
    if libm.fegetenv(env) != 0:
        return False
    raw = bytearray(env.raw)
    csr = int.from_bytes(raw[_MXCSR_OFFSET:_MXCSR_OFFSET + 4], "little")
    csr = csr | _FTZ_DAZ if mode else csr & ~_FTZ_DAZ
    raw[_MXCSR_OFFSET:_MXCSR_OFFSET + 4] = csr.to_bytes(4, "little")
    ctypes.memmove(env, bytes(raw), len(raw))
    return libm.fesetenv(env) == 0


# -- warnings -----------------------------------------------------------------------------------------

_warn = {"always": False}


def set_warn_always(b: bool, /) -> None:
    """Record whether warnings that PyTorch issues once should be issued every time."""
    if type(b) is not bool:
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {_type_name(b)}")
    _warn["always"] = b


def is_warn_always_enabled() -> bool:
    """Whether ``set_warn_always(True)`` is in force."""
    return _warn["always"]


# -- anomaly mode ---------------------------------------------------------------------------------------

def is_anomaly_enabled() -> bool:
    """Whether autograd anomaly detection is on."""
    return _anomaly.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks backward results for NaN."""
    return _anomaly.check_nan_enabled


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn autograd anomaly detection on or off (``torch.autograd.set_detect_anomaly``)."""
    if type(enabled) is not bool:
        raise TypeError(f"set_anomaly_enabled(): argument 'enabled' (position 1) must be bool, "
                        f"not {_type_name(enabled)}")
    if type(check_nan) is not bool:
        raise TypeError(f"set_anomaly_enabled(): argument 'check_nan' (position 2) must be bool, "
                        f"not {_type_name(check_nan)}")
    _anomaly.enabled = enabled
    _anomaly.check_nan_enabled = check_nan


# -- compile --------------------------------------------------------------------------------------------

def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor",
            mode=None, options=None, name=None, disable: bool = False, recompile_limit=None,
            isolate_recompiles: bool = False, shapes_spec=None):
    """Return ``model`` unchanged: ember has no compiler, and running eagerly gives the same
    results.  Without a model it returns a decorator, as ``torch.compile`` does."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if model is None:
        def decorator(fn):
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                           mode=mode, options=options, disable=disable)
        return decorator
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return model


__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads",
           "get_num_interop_threads", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode",
           "set_float32_matmul_precision", "get_float32_matmul_precision", "set_default_device",
           "set_flush_denormal", "set_warn_always", "is_warn_always_enabled",
           "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled", "compile"]
