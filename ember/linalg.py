"""ember.linalg: linear algebra under PyTorch's ``torch.linalg`` names.

The ops live in :mod:`ember.ops.linalg` and :mod:`ember.ops.blas`; this module gives them their
``torch.linalg`` names and defines :class:`LinAlgError`.
"""
from __future__ import annotations


class LinAlgError(RuntimeError):
    """Raised when a linear-algebra routine fails on its input (a singular matrix, a matrix that
    is not positive-definite, ...)."""


LinAlgError.__module__ = "torch.linalg"

from .ops.blas import linalg_cross as cross  # noqa: E402
from .ops.blas import matmul, multi_dot  # noqa: E402
from .ops.linalg import linalg_cholesky as cholesky  # noqa: E402
from .ops.linalg import linalg_cholesky_ex as cholesky_ex  # noqa: E402
from .ops.linalg import linalg_cond as cond  # noqa: E402
from .ops.linalg import linalg_det as det  # noqa: E402
from .ops.linalg import linalg_diagonal as diagonal  # noqa: E402
from .ops.linalg import linalg_eig as eig  # noqa: E402
from .ops.linalg import linalg_eigh as eigh  # noqa: E402
from .ops.linalg import linalg_eigvals as eigvals  # noqa: E402
from .ops.linalg import linalg_eigvalsh as eigvalsh  # noqa: E402
from .ops.linalg import linalg_inv as inv  # noqa: E402
from .ops.linalg import linalg_inv_ex as inv_ex  # noqa: E402
from .ops.linalg import linalg_lstsq as lstsq  # noqa: E402
from .ops.linalg import linalg_lu as lu  # noqa: E402
from .ops.linalg import linalg_lu_factor as lu_factor  # noqa: E402
from .ops.linalg import linalg_lu_factor_ex as lu_factor_ex  # noqa: E402
from .ops.linalg import linalg_lu_solve as lu_solve  # noqa: E402
from .ops.linalg import linalg_matrix_exp as matrix_exp  # noqa: E402
from .ops.linalg import linalg_matrix_power as matrix_power  # noqa: E402
from .ops.linalg import linalg_matrix_rank as matrix_rank  # noqa: E402
from .ops.linalg import linalg_norm as norm  # noqa: E402
from .ops.linalg import linalg_pinv as pinv  # noqa: E402
from .ops.linalg import linalg_qr as qr  # noqa: E402
from .ops.linalg import linalg_slogdet as slogdet  # noqa: E402
from .ops.linalg import linalg_solve as solve  # noqa: E402
from .ops.linalg import linalg_solve_ex as solve_ex  # noqa: E402
from .ops.linalg import linalg_svd as svd  # noqa: E402
from .ops.linalg import linalg_svdvals as svdvals  # noqa: E402
from .ops.linalg import householder_product, matrix_norm, solve_triangular  # noqa: E402
from .ops.linalg import tensorinv, tensorsolve, vander, vecdot, vector_norm  # noqa: E402

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig",
           "eigh", "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu",
           "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
           "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander",
           "vecdot", "vector_norm"]
