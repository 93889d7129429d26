"""Named result tuples (``torch.return_types``): ``values, indices = x.max(1)`` and friends.

They are tuples, so unpacking and indexing work, with named fields and PyTorch's repr.
"""
from __future__ import annotations

__all__: list = []


class _ReturnType(tuple):
    """Base of the named result tuples; subclasses set ``_fields``."""

    __slots__ = ()
    _fields: tuple = ()

    def __new__(cls, values):
        values = tuple(values)
        if len(values) != len(cls._fields):
            raise TypeError(f"torch.return_types.{cls.__name__} takes a sequence of length "
                            f"{len(cls._fields)}")
        return tuple.__new__(cls, values)

    def __repr__(self) -> str:
        body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _make(name: str, fields: tuple) -> type:
    namespace = {"__slots__": (), "_fields": fields, "__module__": "torch.return_types"}
    for i, field in enumerate(fields):
        namespace[field] = property(lambda self, i=i: self[i])
    cls = type(name, (_ReturnType,), namespace)
    globals()[name] = cls
    __all__.append(name)
    return cls


_VALUES_INDICES = ("max", "min", "mode", "median", "nanmedian", "kthvalue", "topk", "sort",
                   "cummax", "cummin")
for _name in _VALUES_INDICES:
    _make(_name, ("values", "indices"))

_make("aminmax", ("min", "max"))
_make("frexp", ("mantissa", "exponent"))
_make("histogram", ("hist", "bin_edges"))
_make("slogdet", ("sign", "logabsdet"))
_make("linalg_slogdet", ("sign", "logabsdet"))
_make("qr", ("Q", "R"))
_make("linalg_qr", ("Q", "R"))
_make("linalg_eigh", ("eigenvalues", "eigenvectors"))
_make("linalg_eig", ("eigenvalues", "eigenvectors"))
_make("svd", ("U", "S", "V"))
_make("linalg_svd", ("U", "S", "Vh"))
_make("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
_make("linalg_inv_ex", ("inverse", "info"))
_make("linalg_cholesky_ex", ("L", "info"))
_make("linalg_lu_factor", ("LU", "pivots"))
_make("linalg_lu", ("P", "L", "U"))
_make("linalg_solve_ex", ("result", "info"))
_make("geqrf", ("a", "tau"))
_make("linalg_lu_factor_ex", ("LU", "pivots", "info"))
_make("lu_unpack", ("P", "L", "U"))
_make("triangular_solve", ("solution", "cloned_coefficient"))
_make("_lu_with_info", ("LU", "pivots", "info"))
