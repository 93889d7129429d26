"""``ExponentialFamily``: distributions with density exp(<t(x), theta> - F(theta) + k(x))."""
from __future__ import annotations

import ember

from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Base of the exponential-family distributions.

    A subclass gives its natural parameters ``theta`` (``_natural_params``), the log normalizer
    ``F`` (``_log_normalizer``) and the expected carrier measure ``E[k(x)]``
    (``_mean_carrier_measure``); entropy and KL divergence then follow from the Bregman
    divergence of ``F``, computed with autograd."""

    @property
    def _natural_params(self) -> tuple:
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> float:
        raise NotImplementedError

    def entropy(self):
        """``F(theta) - <theta, grad F(theta)> - E[k(x)]``, the gradient by autograd."""
        result = -self._mean_carrier_measure
        params = [p.detach().requires_grad_() for p in self._natural_params]
        log_normalizer = self._log_normalizer(*params)
        gradients = ember.autograd.grad(log_normalizer.sum(), params, create_graph=True)
        result += log_normalizer
        for param, gradient in zip(params, gradients):
            result -= (param * gradient).reshape(self._batch_shape + (-1,)).sum(-1)
        return result
