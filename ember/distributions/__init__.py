"""``ember.distributions``: probability distributions with sampling, log densities, entropies
and KL divergences, as ``torch.distributions``.

Parameters are tensors (broadcast together; numbers are accepted where PyTorch accepts them),
``sample``/``rsample`` draw through ember's generator, and ``rsample`` keeps the autograd
graph so losses can be differentiated through samples (the reparameterisation trick)::

    import ember.distributions as D
    q = D.Normal(mu, sigma)
    z = q.rsample()                               # differentiable in mu and sigma
    kl = D.kl_divergence(q, D.Normal(0.0, 1.0))   # closed form

After ``manual_seed``, samplers built from ember's seeded ops draw PyTorch's numbers; the
gamma family (Gamma, Beta, Dirichlet), Binomial and Poisson use ember's own samplers.
"""
from __future__ import annotations

from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .constraint_registry import biject_to, transform_to
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F401,F403
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Dirichlet",
           "Distribution", "Exponential", "ExponentialFamily", "Gamma", "Geometric",
           "Independent", "Laplace", "LogNormal", "Multinomial", "MultivariateNormal",
           "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "RelaxedBernoulli",
           "RelaxedOneHotCategorical", "Poisson", "Uniform", "TransformedDistribution",
           "biject_to", "kl_divergence", "register_kl", "transform_to"]
__all__.extend(transforms.__all__)
