"""ember.special: special mathematical functions (``torch.special``).

Most names are ember's existing ops under their SciPy-style names (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``, ``psi`` is ``digamma``, ``gammainc`` is ``igamma``...); the rest are
defined in ``ember.ops.special_functions``.
"""
from __future__ import annotations

from .ops import (digamma, erf, erfc, erfinv, exp2, expm1, i0, log1p, log_softmax, logit,
                  logsumexp, mvlgamma, polygamma, sigmoid, sinc, softmax, xlogy)
from .ops import lgamma as _lgamma
from .ops import round as _round
from .ops.special_functions import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1,
                                    chebyshev_polynomial_t, chebyshev_polynomial_u,
                                    chebyshev_polynomial_v, chebyshev_polynomial_w, entr, erfcx,
                                    hermite_polynomial_h, hermite_polynomial_he, i0e, i1, i1e,
                                    igamma, igammac, laguerre_polynomial_l,
                                    legendre_polynomial_p, log_ndtr, modified_bessel_i0,
                                    modified_bessel_i1, modified_bessel_k0, modified_bessel_k1,
                                    ndtr, ndtri, scaled_modified_bessel_k0,
                                    scaled_modified_bessel_k1, shifted_chebyshev_polynomial_t,
                                    shifted_chebyshev_polynomial_u,
                                    shifted_chebyshev_polynomial_v,
                                    shifted_chebyshev_polynomial_w, spherical_bessel_j0,
                                    xlog1py, zeta)

expit = sigmoid
psi = digamma
gammainc = igamma
gammaincc = igammac
gammaln = _lgamma
multigammaln = mvlgamma


def round(input, *, decimals: int = 0, out=None):
    """Round to ``decimals`` decimal places, halves to even (``torch.round``)."""
    return _round(input, decimals=decimals, out=out)


__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
           "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2",
           "expit", "expm1", "gammainc", "gammaincc", "gammaln", "hermite_polynomial_h",
           "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp",
           "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
           "modified_bessel_k1", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "sinc", "softmax",
           "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
