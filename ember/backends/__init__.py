"""Array backends: one small module per device kind.

Op code never names NumPy directly when it can avoid it; it asks the backend of its device for
the array module (``xp``).  A backend is an object with:

- ``xp``: the NumPy-compatible array module (numpy for 'cpu', cupy for 'cuda' later),
- ``device_type``: the device type it serves,
- ``asarray(obj, dtype)``: bring host data onto the device,
- ``to_host(arr)``: a NumPy array with the same values.

The 'meta' backend keeps shape and dtype only.
"""
from __future__ import annotations

from . import cpu, meta

_BACKENDS = {"cpu": cpu, "meta": meta}


def backend_for(device_type: str):
    """The backend module serving ``device_type``; RuntimeError when it is not available here."""
    try:
        return _BACKENDS[device_type]
    except KeyError:
        raise RuntimeError(f"ember was built without {device_type} support: no backend for device "
                           f"type '{device_type}' is available on this machine") from None


def register_backend(device_type: str, module) -> None:
    """Plug in a backend (for example a CuPy one for 'cuda') without touching op code."""
    _BACKENDS[device_type] = module


class _Flags:
    """A namespace of settings, as ``torch.backends.cudnn`` and friends are."""

    def __init__(self, available: bool = False, **flags) -> None:
        self._available = available
        self.__dict__.update(flags)

    def is_available(self) -> bool:
        return self._available

    def is_built(self) -> bool:
        return self._available


# What user code reads from ``torch.backends``: no accelerator libraries are present.
cudnn = _Flags(enabled=True, deterministic=False, benchmark=False, allow_tf32=True)
mps = _Flags()
mkldnn = _Flags(enabled=False)
mkl = _Flags()
openmp = _Flags()
opt_einsum = _Flags(enabled=False, strategy=None)
