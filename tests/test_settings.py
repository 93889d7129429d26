"""Process-wide settings (threads, determinism, matmul precision, default device, denormals,
warn-always, anomaly mode) and compile, against torch; every test restores what it changes."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
from ember import _settings  # noqa: E402


def outcome(fn, lib):
    try:
        result = fn(lib)
    except Exception as exc:  # noqa: BLE001 - the outcome is compared
        return type(exc).__name__, str(exc)
    return result


@pytest.fixture
def restore():
    """Put every setting back afterwards (ember's and torch's)."""
    saved = (ember.get_num_threads(), dict(_settings._deterministic), ember.get_float32_matmul_precision(),
             ember.is_warn_always_enabled(), ember.is_anomaly_enabled(),
             ember.is_anomaly_check_nan_enabled(), ember.get_default_device())
    torch_saved = (torch.get_num_threads(), torch.get_float32_matmul_precision(),
                   torch.is_warn_always_enabled())
    yield
    ember.set_num_threads(saved[0])
    _settings._deterministic.update(saved[1])
    ember.set_float32_matmul_precision(saved[2])
    ember.set_warn_always(saved[3])
    ember.set_anomaly_enabled(saved[4], saved[5])
    ember.set_default_device(None if saved[6] == ember.device("cpu") else saved[6])
    ember.set_flush_denormal(False)
    torch.set_num_threads(torch_saved[0])
    torch.set_float32_matmul_precision(torch_saved[1])
    torch.set_warn_always(torch_saved[2])
    torch.set_default_device(None)
    torch.set_flush_denormal(False)


ERRORS = {
    "threads_zero": lambda t: t.set_num_threads(0),
    "threads_float": lambda t: t.set_num_threads(1.5),
    "threads_bool": lambda t: t.set_num_threads(True),
    "interop_zero": lambda t: t.set_num_interop_threads(0),
    "interop_float": lambda t: t.set_num_interop_threads(2.0),
    "precision_type": lambda t: t.set_float32_matmul_precision(3),
    "warn_always": lambda t: t.set_warn_always(3),
    "anomaly": lambda t: t.set_anomaly_enabled(1),
    "get_device": lambda t: t.get_device(3),
    "default_device": lambda t: t.set_default_device("foo"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_setting_errors_match_torch(name, restore):
    e, t = outcome(ERRORS[name], ember), outcome(ERRORS[name], torch)
    assert e == t


# PyTorch's answers, recorded once: its determinism switches and compile take seconds to import
# on first use.
RECORDED = {
    "debug_name": (lambda t: t.set_deterministic_debug_mode("foo"), (
        "RuntimeError", "invalid value of debug_mode, expected one of `default`, `warn`, "
        "`error`, but got foo")),
    "debug_int": (lambda t: t.set_deterministic_debug_mode(5), (
        "RuntimeError", "invalid value of debug_mode, expected 0, 1, or 2, but got 5")),
    "debug_type": (lambda t: t.set_deterministic_debug_mode(1.0), (
        "TypeError", "debug_mode must be str or int, but got <class 'float'>")),
    "deterministic_mode": (lambda t: t.use_deterministic_algorithms("x"), (
        "TypeError", "_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
        "bool, not str")),
    "deterministic_warn_only": (lambda t: t.use_deterministic_algorithms(True, warn_only=1), (
        "TypeError", "_set_deterministic_algorithms(): argument 'warn_only' must be bool, not "
        "int")),
    "compile_number": (lambda t: t.compile(3), (
        "AssertionError", "A callable function is expected, but <class 'int'> is provided.")),
    "compile_keyword": (lambda t: t.compile(t.nn.Linear(1, 1), foo=1), (
        "TypeError", "compile() got an unexpected keyword argument 'foo'")),
    "compile_mode_and_options": (lambda t: t.compile(lambda x: x, mode="max-autotune",
                                                     options={"a": 1}), (
        "RuntimeError", "Either mode or options can be specified, but both can't be specified "
        "at the same time.")),
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_setting_errors_match_recorded_torch(name, restore):
    call, expected = RECORDED[name]
    assert outcome(call, ember) == expected


def test_num_threads_drive_ember_pool(restore):
    ember.set_num_threads(3)
    assert ember.get_num_threads() == 3 == ember.backends.cpu.get_num_threads()
    ember.set_num_threads(1)
    assert ember.backends.cpu.get_num_threads() == 1
    assert (ember.ones(1 << 18) * 2).sum().item() == 2 * (1 << 18)


def test_interop_threads_set_once(monkeypatch):
    monkeypatch.setitem(_settings._interop, "threads", None)
    assert ember.get_num_interop_threads() >= 1
    ember.set_num_interop_threads(3)
    assert ember.get_num_interop_threads() == 3
    with pytest.raises(RuntimeError, match="cannot set number of interop threads"):
        ember.set_num_interop_threads(4)


def test_determinism_flags_follow_torch(restore):
    # PyTorch gives [(1, True, True), (2, True, False), 1, (0, False)] (recorded: see above).
    def run(lib):
        out = []
        lib.set_deterministic_debug_mode("warn")
        out.append((lib.get_deterministic_debug_mode(), lib.are_deterministic_algorithms_enabled(),
                    lib.is_deterministic_algorithms_warn_only_enabled()))
        lib.set_deterministic_debug_mode(2)
        out.append((lib.get_deterministic_debug_mode(), lib.are_deterministic_algorithms_enabled(),
                    lib.is_deterministic_algorithms_warn_only_enabled()))
        lib.use_deterministic_algorithms(True, warn_only=True)
        out.append(lib.get_deterministic_debug_mode())
        lib.set_deterministic_debug_mode("default")
        out.append((lib.get_deterministic_debug_mode(), lib.are_deterministic_algorithms_enabled()))
        return out
    assert run(ember) == [(1, True, True), (2, True, False), 1, (0, False)]


def test_matmul_precision_follows_torch(restore):
    def run(lib):
        out = [lib.get_float32_matmul_precision()]
        for value in ("medium", "high", "highest"):
            lib.set_float32_matmul_precision(value)
            out.append(lib.get_float32_matmul_precision())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.set_float32_matmul_precision("foo")
        out.append((len(caught), str(caught[0].message)[:60], lib.get_float32_matmul_precision()))
        return out
    assert run(ember) == run(torch)


def test_default_device_used_by_factories(restore):
    def run(lib):
        out = [str(lib.get_default_device())]
        lib.set_default_device("meta")
        out.append([str(x.device) for x in (lib.zeros(2), lib.tensor([1.]), lib.arange(3),
                                             lib.randn(2), lib.ones(2, 2), lib.empty(1))])
        out.append(str(lib.get_default_device()))
        with lib.device("cpu"):
            out.append((str(lib.zeros(1).device), str(lib.get_default_device())))
        out.append(str(lib.get_default_device()))
        out.append(str(lib.zeros(1, device="cpu").device))
        lib.set_default_device(None)
        out.append(str(lib.get_default_device()))
        lib.set_default_device(lib.device("cpu"))
        out.append(str(lib.zeros(1).device))
        lib.set_default_device(None)
        return out
    assert run(ember) == run(torch)


def test_flush_denormal(restore):
    assert ember.set_flush_denormal(True) is torch.set_flush_denormal(True) is True
    assert (np.array([1e-310]) * 1.0)[0] == 0.0  # subnormals read and written as zero
    assert ember.set_flush_denormal(False) is True
    assert (np.array([1e-310]) * 1.0)[0] == 1e-310


def test_warn_always_and_anomaly(restore):
    def run(lib):
        out = [lib.is_warn_always_enabled()]
        lib.set_warn_always(True)
        out.append(lib.is_warn_always_enabled())
        lib.set_warn_always(False)
        out.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
        lib.set_anomaly_enabled(True, False)
        out.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
        lib.set_anomaly_enabled(False)
        out.append((lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()))
        with lib.autograd.set_detect_anomaly(True):
            out.append(lib.is_anomaly_enabled())
        out.append(lib.is_anomaly_enabled())
        return out
    assert run(ember) == run(torch)


def test_anomaly_mode_set_here_reaches_autograd(restore):
    ember.set_anomaly_enabled(True)
    x = ember.tensor([0.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="returned nan values"):
        (x.sqrt() * 0.0).sum().backward()
    ember.set_anomaly_enabled(False)


def test_compile_returns_the_model():
    model = ember.nn.Linear(2, 2)
    assert ember.compile(model) is model
    assert ember.compile(model, fullgraph=True, dynamic=False, backend="eager",
                         mode="reduce-overhead", disable=False) is model

    def f(x):
        return x + 1
    assert ember.compile(f) is f
    decorated = ember.compile(fullgraph=True)(f)
    assert decorated(ember.ones(1)).item() == 2.0

    @ember.compile
    def g(x):
        return x * 3
    assert g(ember.ones(1)).item() == 3.0


def test_get_device():
    assert ember.get_device(ember.zeros(1)) == torch.get_device(torch.zeros(1)) == -1
    assert ember.zeros(1).get_device() == -1
