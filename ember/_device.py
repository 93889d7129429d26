"""Devices: where a tensor's data lives, parsed, printed and compared as PyTorch does.

A ``device`` is also a context manager: inside ``with ember.device('meta'):`` factories that are
given no ``device=`` create their tensors there.
"""
from __future__ import annotations

import builtins
import operator

_KNOWN_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


def _bad_type_message(text: str) -> str:
    return (f"Expected one of {', '.join(_KNOWN_TYPES)} device type at start of device string: "
            f"{text}")


def _parse(text: str):
    """(type, index) from a device string such as 'cuda:1', with PyTorch's errors."""
    if not text:
        raise RuntimeError("Device string must not be empty")
    name, colon, idx = text.partition(":")
    if name not in _KNOWN_TYPES:
        raise RuntimeError(_bad_type_message(text))
    if not colon:
        return name, None
    # Only plain decimal digits without a leading zero (except '0' itself) are accepted.
    if not idx.isdigit() or not idx.isascii() or (len(idx) > 1 and idx[0] == "0"):
        raise RuntimeError(f"Invalid device string: '{text}'")
    return name, int(idx)


def _type_name(value) -> str:
    return type(value).__name__


class device:
    """A device: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:1')``, ``'meta'``..."""

    __slots__ = ("_type", "_index", "_previous")

    def __init__(self, type=None, index=None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device() received an invalid combination of arguments - got "
                                "(torch.device, int)")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, builtins.bool) or type is None and index is None:
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({_type_name(type)}), but expected one of:\n"
                            " * (torch.device device)\n * (str type, int index = -1)\n")
        if isinstance(type, builtins.int) or _is_integer(type):
            # A bare ordinal names the current accelerator, and this machine has none.
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({_type_name(type)}), but expected one of:\n"
                            " * (torch.device device)\n * (str type, int index = -1)\n")
        name, parsed = _parse(type)
        if index is not None:
            if isinstance(index, builtins.bool) or not _is_integer(index):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                f"{_type_name(index)}")
            if parsed is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            parsed = operator.index(index)
            if parsed < 0:
                raise RuntimeError("Device index must not be negative")
        self._type, self._index = name, parsed

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self):
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other) -> bool:
        # Like PyTorch, a device never equals a string: compare with device('cpu').
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __ne__(self, other) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((self._type, -1 if self._index is None else self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))

    # -- default device for factories ---------------------------------------------------------

    def __enter__(self) -> "device":
        self._previous = _default[0]
        _default[0] = self
        return self

    def __exit__(self, *exc) -> None:
        _default[0] = self._previous


def _is_integer(value) -> bool:
    try:
        operator.index(value)
        return True
    except TypeError:
        return False


def _make(type_: str, index=None) -> device:
    d = object.__new__(device)
    d._type, d._index = type_, index
    return d


CPU = _make("cpu")
META = _make("meta")
_default = [None]


def default_device() -> device:
    """The device factories use when given none: the CPU unless a ``with device(...)`` is open."""
    return _default[0] or CPU


def as_device(d) -> device:
    """Normalize a device argument (a device, a string such as 'cpu', or None for the CPU)."""
    if d is None:
        return CPU
    if d.__class__ is device:
        return d
    if d == "cpu":
        return CPU
    if d == "meta":
        return META
    return device(d)


def factory_device(d) -> device:
    """The device a factory creates on: ``d``, else the current default device."""
    if d is None:
        return _default[0] or CPU
    return as_device(d)
