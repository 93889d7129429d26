"""torchvision as an optional test oracle for ember.vision.

torchvision has no CPU wheel here; its CUDA wheel installed with ``--no-deps`` imports against
the CPU torch once its C-operator registrations are skipped (the transforms, datasets and utils
tested here are pure Python over torch and PIL).  Tests call :func:`torchvision` and are skipped
when it is not installed.
"""
from __future__ import annotations

import sys
import types

import pytest


def torchvision():
    """The torchvision module, or skip the calling test."""
    pytest.importorskip("torch")
    if "torchvision" not in sys.modules:
        # The wheel's meta registrations need its compiled operators, which cannot load
        # against a CPU-only torch; nothing tested here uses them.
        sys.modules.setdefault("torchvision._meta_registrations",
                               types.ModuleType("torchvision._meta_registrations"))
    try:
        import torchvision as module
    except Exception as error:  # noqa: BLE001 - any import failure means 'no oracle'
        sys.modules.pop("torchvision._meta_registrations", None)
        pytest.skip(f"torchvision is not usable here: {error}")
    return module
