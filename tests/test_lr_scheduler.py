"""ember.optim.lr_scheduler and swa_utils against PyTorch: every schedule's learning rates over
200 steps must equal PyTorch's exactly (the recursive formulas are kept term for term)."""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

STEPS = 200


def make_optimizer(lib, kind: str = "SGD"):
    """An optimizer over two parameter groups with different learning rates."""
    a = lib.zeros(3, requires_grad=True)
    b = lib.zeros(2, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return getattr(lib.optim, kind)(groups, lr=0.1)


def sched(lib):
    return lib.optim.lr_scheduler


class Halving:
    """A callable object: its attributes are saved in the scheduler's state_dict."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, epoch):
        return self.base ** (epoch // 40)


def _scale(x):
    return 1.0 / (1.0 + 0.01 * x)


SCHEDULES = {
    "LambdaLR": lambda lib, o: sched(lib).LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR_per_group": lambda lib, o: sched(lib).LambdaLR(
        o, [lambda e: 1 / (e + 1), Halving()]),
    "MultiplicativeLR": lambda lib, o: sched(lib).MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda lib, o: sched(lib).StepLR(o, step_size=30, gamma=0.5),
    "MultiStepLR": lambda lib, o: sched(lib).MultiStepLR(o, [30, 80, 80, 150], gamma=0.3),
    "ConstantLR": lambda lib, o: sched(lib).ConstantLR(o, factor=0.5, total_iters=40),
    "LinearLR": lambda lib, o: sched(lib).LinearLR(o, start_factor=0.2, end_factor=0.9,
                                                   total_iters=50),
    "ExponentialLR": lambda lib, o: sched(lib).ExponentialLR(o, 0.98),
    "PolynomialLR": lambda lib, o: sched(lib).PolynomialLR(o, total_iters=120, power=2.0),
    "CosineAnnealingLR": lambda lib, o: sched(lib).CosineAnnealingLR(o, T_max=37,
                                                                     eta_min=0.001),
    "CosineAnnealingLR_plain": lambda lib, o: sched(lib).CosineAnnealingLR(o, T_max=50),
    "WarmRestarts": lambda lib, o: sched(lib).CosineAnnealingWarmRestarts(
        o, T_0=10, T_mult=2, eta_min=1e-4),
    "WarmRestarts_fixed": lambda lib, o: sched(lib).CosineAnnealingWarmRestarts(o, T_0=7),
    "CyclicLR_triangular": lambda lib, o: sched(lib).CyclicLR(o, 0.01, 0.1, step_size_up=15),
    "CyclicLR_triangular2": lambda lib, o: sched(lib).CyclicLR(
        o, [0.01, 0.02], [0.1, 0.3], step_size_up=10, step_size_down=25, mode="triangular2"),
    "CyclicLR_exp_range": lambda lib, o: sched(lib).CyclicLR(
        o, 0.01, 0.1, step_size_up=12, mode="exp_range", gamma=0.99, base_momentum=0.7,
        max_momentum=0.95),
    "CyclicLR_scale_fn": lambda lib, o: sched(lib).CyclicLR(
        o, 0.01, 0.1, step_size_up=9, scale_fn=_scale, scale_mode="iterations",
        cycle_momentum=False),
    "OneCycleLR_cos": lambda lib, o: sched(lib).OneCycleLR(o, 0.5, total_steps=STEPS + 1),
    "OneCycleLR_linear": lambda lib, o: sched(lib).OneCycleLR(
        o, [0.4, 0.2], epochs=8, steps_per_epoch=26, anneal_strategy="linear",
        pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR_three_phase": lambda lib, o: sched(lib).OneCycleLR(
        o, 0.5, total_steps=STEPS + 5, three_phase=True, base_momentum=0.8),
    "SequentialLR": lambda lib, o: sched(lib).SequentialLR(
        o, [sched(lib).LinearLR(o, start_factor=0.1, total_iters=20),
            sched(lib).ExponentialLR(o, 0.97)], milestones=[20]),
    "SequentialLR_three": lambda lib, o: sched(lib).SequentialLR(
        o, [sched(lib).ConstantLR(o, factor=0.3, total_iters=10),
            sched(lib).CosineAnnealingLR(o, T_max=40),
            sched(lib).StepLR(o, step_size=20, gamma=0.5)], milestones=[15, 90]),
    "ChainedScheduler": lambda lib, o: sched(lib).ChainedScheduler(
        [sched(lib).ConstantLR(o, factor=0.5, total_iters=25),
         sched(lib).ExponentialLR(o, 0.99)]),
    "SWALR_cos": lambda lib, o: lib.optim.swa_utils.SWALR(o, swa_lr=0.05, anneal_epochs=20),
    "SWALR_linear": lambda lib, o: lib.optim.swa_utils.SWALR(
        o, swa_lr=[0.02, 0.01], anneal_epochs=15, anneal_strategy="linear"),
    "SWALR_no_anneal": lambda lib, o: lib.optim.swa_utils.SWALR(o, swa_lr=0.05,
                                                                anneal_epochs=0),
}


def record(lib, name: str, kind: str = "SGD", steps: int = STEPS):
    """Step the optimizer and the schedule ``steps`` times; every group's lr and momentum."""
    opt = make_optimizer(lib, kind)
    scheduler = SCHEDULES[name](lib, opt)
    history = [_snapshot(opt, scheduler)]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        history.append(_snapshot(opt, scheduler))
    return history


def _snapshot(opt, scheduler):
    groups = opt.param_groups
    return ([g["lr"] for g in groups], list(scheduler.get_last_lr()),
            [g.get("momentum", g.get("betas")) for g in groups])


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_learning_rates_equal_torch_exactly(name):
    assert record(ember, name) == record(torch, name)


@pytest.mark.parametrize("name", ["CyclicLR_triangular", "CyclicLR_exp_range",
                                  "OneCycleLR_three_phase"])
def test_beta1_is_cycled_for_adam(name):
    assert record(ember, name, "Adam", 60) == record(torch, name, "Adam", 60)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_state_dict_resumes_the_schedule(name):
    def run(lib):
        opt = make_optimizer(lib)
        scheduler = SCHEDULES[name](lib, opt)
        for _ in range(50):
            opt.step()
            scheduler.step()
        saved = copy.deepcopy(scheduler.state_dict())
        saved_groups = copy.deepcopy(opt.state_dict())
        fresh_opt = make_optimizer(lib)
        fresh = SCHEDULES[name](lib, fresh_opt)
        fresh_opt.load_state_dict(saved_groups)
        fresh.load_state_dict(saved)
        lrs = []
        for _ in range(30):
            fresh_opt.step()
            fresh.step()
            lrs.append([g["lr"] for g in fresh_opt.param_groups])
        return saved, lrs
    (our_state, our_lrs), (their_state, their_lrs) = run(ember), run(torch)
    assert our_lrs == their_lrs
    assert sorted(our_state) == sorted(their_state)
    for key, value in their_state.items():
        if isinstance(value, (int, float, str, list, tuple)) and key != "_schedulers":
            assert our_state[key] == value, key


def test_lambda_state_dict_keeps_callable_objects_state():
    def run(lib):
        opt = make_optimizer(lib)
        scheduler = SCHEDULES["LambdaLR_per_group"](lib, opt)
        saved = scheduler.state_dict()
        assert saved["lr_lambdas"] == [None, {"base": 0.5}]
        scheduler.lr_lambdas[1].base = 0.9
        scheduler.load_state_dict(saved)
        return scheduler.lr_lambdas[1].base
    assert run(ember) == run(torch) == 0.5


@pytest.mark.parametrize("mode,threshold_mode,kwargs", [
    ("min", "rel", {}),
    ("min", "abs", {"threshold": 0.05, "patience": 2, "cooldown": 3}),
    ("max", "rel", {"factor": 0.5, "patience": 1, "min_lr": [0.01, 0.02]}),
    ("max", "abs", {"factor": 0.3, "patience": 0, "min_lr": 0.004, "eps": 1e-3}),
])
def test_reduce_on_plateau_equals_torch(mode, threshold_mode, kwargs):
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1, 0.5, 20), 0.5 + 0.01 * rng.standard_normal(80)])
    if mode == "max":
        metrics = -metrics

    def run(lib):
        opt = make_optimizer(lib)
        scheduler = sched(lib).ReduceLROnPlateau(opt, mode=mode, threshold_mode=threshold_mode,
                                                 **kwargs)
        out = []
        for value in metrics:
            opt.step()
            scheduler.step(float(value))
            out.append((scheduler.get_last_lr(), scheduler.num_bad_epochs,
                        scheduler.cooldown_counter, scheduler.best))
        return out, sorted(scheduler.state_dict())
    assert run(ember) == run(torch)


def test_reduce_on_plateau_accepts_a_tensor_metric_and_new_groups():
    def run(lib):
        opt = make_optimizer(lib)
        scheduler = sched(lib).ReduceLROnPlateau(opt, patience=0)
        scheduler.step(lib.tensor(1.0))
        opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)], "lr": 0.2})
        scheduler.step(lib.tensor(2.0))
        return scheduler.get_last_lr()
    assert run(ember) == run(torch)


DEPRECATED_EPOCHS = [3, 10, 11, 40, 41, 41, 90, 5]


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
                                  "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
                                  "WarmRestarts", "LambdaLR"])
def test_step_with_epoch_uses_closed_form_and_warns(name):
    def run(lib):
        opt = make_optimizer(lib)
        scheduler = SCHEDULES[name](lib, opt)
        out = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for epoch in DEPRECATED_EPOCHS:
                opt.step()
                scheduler.step(epoch)
                out.append(scheduler.get_last_lr())
        messages = {str(w.message) for w in caught}
        return out, messages
    (ours, our_messages), (theirs, their_messages) = run(ember), run(torch)
    assert ours == theirs
    assert our_messages == their_messages


def test_warm_restarts_fractional_epochs():
    def run(lib):
        opt = make_optimizer(lib)
        scheduler = sched(lib).CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=3)
        out = []
        for epoch in [0.5, 1.25, 4.9, 5.0, 7.5, 19.9, 20.0, 33.3]:
            scheduler.step(epoch)
            out.append((scheduler.get_last_lr(), scheduler.T_cur, scheduler.T_i,
                        scheduler.last_epoch))
        return out
    assert run(ember) == run(torch)


def test_scheduler_before_optimizer_step_warns_like_torch():
    def messages(lib):
        opt = make_optimizer(lib)
        scheduler = sched(lib).StepLR(opt, step_size=2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scheduler.step()
        return [(w.category, str(w.message)) for w in caught]
    ours, theirs = messages(ember), messages(torch)
    assert len(theirs) == 1 and theirs[0][0] is UserWarning
    assert ours == theirs


def test_no_order_warning_when_optimizer_steps_first():
    opt = make_optimizer(ember)
    scheduler = sched(ember).ExponentialLR(opt, 0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        scheduler.step()


def test_overridden_optimizer_step_warns_like_torch():
    def messages(lib):
        opt = make_optimizer(lib)
        scheduler = sched(lib).StepLR(opt, step_size=2)
        opt.step = lambda closure=None: None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scheduler.step()
        return [str(w.message) for w in caught]
    assert messages(ember) == messages(torch)


def test_get_lr_outside_step_warns():
    def messages(lib):
        scheduler = sched(lib).StepLR(make_optimizer(lib), step_size=2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = scheduler.get_lr()
        return value, [str(w.message) for w in caught]
    assert messages(ember) == messages(torch)


def test_tensor_learning_rate_is_filled_in_place():
    def run(lib):
        lr = lib.tensor(0.1)
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=lr)
        scheduler = sched(lib).StepLR(opt, step_size=3, gamma=0.5)
        values = []
        for _ in range(10):
            opt.step()
            scheduler.step()
            assert opt.param_groups[0]["lr"] is lr
            values.append(float(lr))
        last = scheduler.get_last_lr()[0]
        assert isinstance(last, lib.Tensor) and last is not lr
        return values, float(opt.param_groups[0]["initial_lr"])
    assert run(ember) == run(torch)


def test_initial_lr_is_recorded_and_resuming_needs_it():
    def run(lib):
        opt = make_optimizer(lib)
        sched(lib).StepLR(opt, step_size=2)
        return [g["initial_lr"] for g in opt.param_groups]
    assert run(ember) == run(torch) == [0.1, 0.05]
    with pytest.raises(KeyError, match="initial_lr"):
        sched(ember).StepLR(make_optimizer(ember), step_size=2, last_epoch=3)


def _both_raise(build, exc_type):
    with pytest.raises(exc_type) as theirs:
        build(torch)
    with pytest.raises(exc_type) as ours:
        build(ember)
    assert str(ours.value).replace("ember", "torch") == str(theirs.value)


ERRORS = {
    "not_an_optimizer": (lambda lib: sched(lib).StepLR(object(), 2), TypeError),
    "linear_start": (lambda lib: sched(lib).LinearLR(make_optimizer(lib), start_factor=0),
                     ValueError),
    "linear_end": (lambda lib: sched(lib).LinearLR(make_optimizer(lib), end_factor=2),
                   ValueError),
    "constant_factor": (lambda lib: sched(lib).ConstantLR(make_optimizer(lib), factor=1.5),
                        ValueError),
    "lambdas_count": (lambda lib: sched(lib).LambdaLR(make_optimizer(lib), [lambda e: 1]),
                      ValueError),
    "multiplicative_not_callable": (lambda lib: sched(lib).MultiplicativeLR(
        make_optimizer(lib), [1, 2]), TypeError),
    "restarts_t0": (lambda lib: sched(lib).CosineAnnealingWarmRestarts(make_optimizer(lib), 0),
                    ValueError),
    "restarts_tmult": (lambda lib: sched(lib).CosineAnnealingWarmRestarts(
        make_optimizer(lib), 5, T_mult=0), ValueError),
    "restarts_eta_min": (lambda lib: sched(lib).CosineAnnealingWarmRestarts(
        make_optimizer(lib), 5, eta_min="x"), ValueError),
    "restarts_negative_epoch": (lambda lib: sched(lib).CosineAnnealingWarmRestarts(
        make_optimizer(lib), 5).step(-1), ValueError),
    "cyclic_mode": (lambda lib: sched(lib).CyclicLR(make_optimizer(lib), 0.1, 1.0,
                                                    mode="sawtooth"), ValueError),
    "cyclic_no_momentum": (lambda lib: sched(lib).CyclicLR(make_optimizer(lib, "Adagrad"),
                                                           0.1, 1.0), ValueError),
    "cyclic_lengths": (lambda lib: sched(lib).CyclicLR(make_optimizer(lib), [0.1], 1.0),
                       ValueError),
    "onecycle_steps": (lambda lib: sched(lib).OneCycleLR(make_optimizer(lib), 0.1),
                       ValueError),
    "onecycle_total": (lambda lib: sched(lib).OneCycleLR(make_optimizer(lib), 0.1,
                                                         total_steps=0), ValueError),
    "onecycle_epochs": (lambda lib: sched(lib).OneCycleLR(make_optimizer(lib), 0.1, epochs=0,
                                                          steps_per_epoch=3), ValueError),
    "onecycle_pct": (lambda lib: sched(lib).OneCycleLR(make_optimizer(lib), 0.1,
                                                       total_steps=10, pct_start=1.5),
                     ValueError),
    "onecycle_anneal": (lambda lib: sched(lib).OneCycleLR(make_optimizer(lib), 0.1,
                                                          total_steps=10,
                                                          anneal_strategy="step"),
                        ValueError),
    "onecycle_overrun": (lambda lib: [s.step() for s in [sched(lib).OneCycleLR(
        make_optimizer(lib), 0.1, total_steps=3)] for _ in range(4)], ValueError),
    "plateau_factor": (lambda lib: sched(lib).ReduceLROnPlateau(make_optimizer(lib),
                                                                factor=1.0), ValueError),
    "plateau_mode": (lambda lib: sched(lib).ReduceLROnPlateau(make_optimizer(lib),
                                                              mode="middle"), ValueError),
    "plateau_threshold_mode": (lambda lib: sched(lib).ReduceLROnPlateau(
        make_optimizer(lib), threshold_mode="both"), ValueError),
    "plateau_min_lrs": (lambda lib: sched(lib).ReduceLROnPlateau(make_optimizer(lib),
                                                                 min_lr=[0.1]), ValueError),
    "sequential_milestones": (lambda lib: (lambda o: sched(lib).SequentialLR(
        o, [sched(lib).StepLR(o, 2), sched(lib).StepLR(o, 3)], milestones=[])
    )(make_optimizer(lib)), ValueError),
    "sequential_empty": (lambda lib: sched(lib).SequentialLR(make_optimizer(lib), [], []),
                         ValueError),
    "sequential_plateau": (lambda lib: (lambda o: sched(lib).SequentialLR(
        o, [sched(lib).StepLR(o, 2), sched(lib).ReduceLROnPlateau(o)], milestones=[3])
    )(make_optimizer(lib)), ValueError),
    "chained_empty": (lambda lib: sched(lib).ChainedScheduler([]), ValueError),
    "swalr_strategy": (lambda lib: lib.optim.swa_utils.SWALR(make_optimizer(lib), 0.1,
                                                             anneal_strategy="step"),
                       ValueError),
    "swalr_epochs": (lambda lib: lib.optim.swa_utils.SWALR(make_optimizer(lib), 0.1,
                                                           anneal_epochs=-1), ValueError),
    "ema_decay": (lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(1.5), ValueError),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    build, exc_type = ERRORS[case]
    _both_raise(build, exc_type)


def test_plateau_refuses_new_groups_when_min_lrs_were_listed():
    opt = make_optimizer(ember)
    scheduler = sched(ember).ReduceLROnPlateau(opt, patience=0, min_lr=[0.0, 0.0])
    scheduler.step(1.0)
    opt.add_param_group({"params": [ember.zeros(1, requires_grad=True)]})
    with pytest.raises(RuntimeError, match="differs from when `ReduceLROnPlateau`"):
        scheduler.step(2.0)


def test_scheduler_names_match_torch():
    assert sorted(sched(ember).__all__) == sorted(sched(torch).__all__)
    assert sched(ember).EPOCH_DEPRECATION_WARNING == sched(torch).EPOCH_DEPRECATION_WARNING


# -- swa_utils ----------------------------------------------------------------------------------

@pytest.mark.parametrize("factory", ["ema", "swa"])
def test_average_functions_equal_torch(factory):
    rng = np.random.default_rng(1)
    current = [rng.standard_normal((3, 2)) for _ in range(4)]

    def run(lib):
        swa = lib.optim.swa_utils
        averaged = [lib.zeros(3, 2, dtype=lib.float64), lib.zeros(3, 2, dtype=lib.float64)]
        singles = [lib.zeros(3, 2, dtype=lib.float64)]
        multi = swa.get_ema_multi_avg_fn(0.9) if factory == "ema" else \
            swa.get_swa_multi_avg_fn()
        single = swa.get_ema_avg_fn(0.9) if factory == "ema" else swa.get_swa_avg_fn()
        for n, values in enumerate(current):
            tensors = [lib.tensor(values), lib.tensor(values * 2)]
            multi(averaged, tensors, lib.tensor(n))
            singles[0] = single(singles[0], tensors[0], lib.tensor(n))
        return averaged + singles
    for ours, theirs in zip(run(ember), run(torch)):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("tensor_count", [True, False])
def test_swa_of_integer_tensors_fails_like_torch(tensor_count):
    # PyTorch's running mean refuses integer tensors (addcdiv / float alpha); ember alike.
    def build(lib):
        count = lib.tensor(1) if tensor_count else 1
        lib.optim.swa_utils.get_swa_multi_avg_fn()([lib.tensor([0, 10])], [lib.tensor([3, 4])],
                                                   count)
    _both_raise(build, RuntimeError)


def _net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = lib.nn.Parameter(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
            self.bias = lib.nn.Parameter(lib.tensor([0.5, -0.5]))
            self.register_buffer("scale", lib.tensor([1.0, 2.0]))

        def forward(self, x):
            return (x @ self.weight + self.bias) * self.scale
    return Net()


def _averaged_model_available() -> bool:
    try:
        from ember.nn import Module, Parameter  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _averaged_model_available(), reason="needs ember.nn.Module")
@pytest.mark.parametrize("options", [
    {}, {"use_buffers": True}, {"multi_avg_fn": "ema"}, {"avg_fn": "ema"},
    {"multi_avg_fn": "ema", "use_buffers": True}])
def test_averaged_model_equals_torch(options):
    def run(lib):
        swa = lib.optim.swa_utils
        kwargs = dict(options)
        if kwargs.get("multi_avg_fn") == "ema":
            kwargs["multi_avg_fn"] = swa.get_ema_multi_avg_fn(0.8)
        if kwargs.get("avg_fn") == "ema":
            kwargs["avg_fn"] = swa.get_ema_avg_fn(0.8)
        net = _net(lib)
        averaged = swa.AveragedModel(net, **kwargs)
        for step in range(4):
            with lib.no_grad():
                net.weight.mul_(1.5)
                net.bias.add_(step)
                net.scale.add_(1.0)
            averaged.update_parameters(net)
        out = averaged(lib.ones(1, 2))
        return ([p.detach().numpy().copy() for p in averaged.parameters()]
                + [b.numpy().copy() for b in averaged.buffers()] + [out.detach().numpy()],
                [name for name, _ in averaged.named_buffers()])
    (ours, our_names), (theirs, their_names) = run(ember), run(torch)
    assert our_names == their_names
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.skipif(not _averaged_model_available(), reason="needs ember.nn.Module")
def test_averaged_model_refuses_two_averaging_functions():
    swa = ember.optim.swa_utils
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa.AveragedModel(_net(ember), avg_fn=swa.get_swa_avg_fn(),
                          multi_avg_fn=swa.get_swa_multi_avg_fn())


def _batchnorm_available() -> bool:
    try:
        from ember.nn import BatchNorm1d  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _batchnorm_available(),
                    reason="update_bn needs ember.nn.BatchNorm1d, not in ember.nn yet")
def test_update_bn_equals_torch():
    rng = np.random.default_rng(2)
    batches = [rng.standard_normal((8, 3)).astype(np.float32) for _ in range(4)]

    def run(lib):
        model = lib.nn.Sequential(lib.nn.BatchNorm1d(3))
        model.eval()
        loader = [(lib.tensor(b), 0) for b in batches]
        lib.optim.swa_utils.update_bn(loader, model)
        bn = model[0]
        return bn.running_mean.numpy(), bn.running_var.numpy(), bn.momentum, model.training
    ours, theirs = run(ember), run(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5)
    assert ours[2:] == theirs[2:]


@pytest.mark.skipif(not _averaged_model_available(), reason="needs ember.nn.Module")
def test_update_bn_without_batchnorm_does_nothing():
    net = _net(ember)
    before = net.weight.detach().numpy().copy()
    ember.optim.swa_utils.update_bn([ember.ones(1, 2)], net)
    np.testing.assert_array_equal(net.weight.detach().numpy(), before)


def test_swalr_formula_by_hand():
    # After annealing the rate sits at swa_lr; halfway through a cosine anneal it is the mean.
    opt = make_optimizer(ember)
    scheduler = ember.optim.swa_utils.SWALR(opt, swa_lr=0.02, anneal_epochs=10)
    lrs = []
    for _ in range(12):
        opt.step()
        scheduler.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs[4] == pytest.approx((0.1 + 0.02) / 2)
    assert lrs[-1] == pytest.approx(0.02)
    assert math.isclose(lrs[9], 0.02)
