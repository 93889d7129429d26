"""Printing tensors exactly as PyTorch does (placeholder until the full formatter lands)."""
from __future__ import annotations

import numpy as np

__all__: list = []


def tensor_repr(t, tensor_contents=None) -> str:
    arr = t._host() if t.device.type != "meta" else None
    body = "..." if arr is None else np.array2string(np.asarray(arr, dtype=np.float64)
                                                     if arr.dtype.kind not in "biuc" else arr,
                                                     separator=", ")
    suffix = []
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffix.append("requires_grad=True")
    return f"tensor({body}{''.join(', ' + s for s in suffix)})"
