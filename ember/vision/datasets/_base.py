"""The Dataset base class the vision datasets derive from.

``ember.utils.data.Dataset`` when it exists; until then a minimal stand-in with the same
protocol (``__getitem__`` / ``__len__``), so the datasets work either way.
"""
from __future__ import annotations

try:
    from ember.utils.data import Dataset
except ImportError:  # ember.utils.data not available yet
    class Dataset:
        """An indexable collection of samples: subclasses define ``__getitem__`` (and usually
        ``__len__``)."""

        def __getitem__(self, index):
            raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

        def __class_getitem__(cls, item):
            return cls

__all__ = ["Dataset"]
