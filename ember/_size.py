"""``Size``: the tuple subclass returned by ``tensor.shape`` and ``tensor.size()``."""
from __future__ import annotations

import operator


class Size(tuple):
    """A tensor's shape: a tuple of ints printed as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        try:
            return tuple.__new__(cls, (operator.index(s) for s in sizes))
        except TypeError:
            sizes = list(sizes)
            bad = next(s for s in sizes if not _is_index(s))
            raise TypeError(f"torch.Size() takes an iterable of 'int' (item {sizes.index(bad)} is "
                            f"'{type(bad).__name__}')") from None

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def __getitem__(self, key):
        result = tuple.__getitem__(self, key)
        return Size(result) if isinstance(key, slice) else result

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __reduce__(self):
        return (Size, (tuple(self),))


def _is_index(s) -> bool:
    try:
        operator.index(s)
        return True
    except TypeError:
        return False
