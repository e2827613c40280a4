"""The estimator core, over all four estimators: parameters, warm start, methods, threads."""

import ast
import configparser
import inspect
import pickle
import re
import sys
import threading
from importlib.metadata import packages_distributions
from pathlib import Path

import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc
from skorch.callbacks import Callback

from sirenkit import (
    PoissonSolver,
    ReluMLPRegressor,
    SirenRegressor,
    SirenSuperResolver,
    grid_coords,
    image_to_samples,
)
from sirenkit.operators import image_gradient

ROOT = Path(__file__).resolve().parents[1]
ESTIMATORS = [SirenRegressor, ReluMLPRegressor, PoissonSolver, SirenSuperResolver]
SHAPE = (8, 8)


def _data(cls):
    """Coordinates and a target each estimator fits at its defaults."""
    rows, cols = np.meshgrid(*(grid_coords(n)[:, 0] for n in SHAPE), indexing="ij")
    image = 0.5 + 0.3 * np.sin(2 * rows) * np.cos(cols)
    if cls is PoissonSolver:
        return image_to_samples(image_gradient(image))
    return image_to_samples(image)


class OptimizerRecorder(Callback):
    """Records the optimiser's lr and weight decay at every epoch."""

    def initialize(self):
        self.seen_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        group = net.optimizer_.param_groups[0]
        self.seen_.append((group["lr"], group["weight_decay"]))


#: Smaller and shorter than conftest's ``small`` parameters: these tests need a fit, not a
#: good one.
TINY = dict(hidden_features=16, max_epochs=4)
# The super-resolver's derivatives need a fit without back-projection (its correction is a
# bicubic interpolant, whose derivatives are not offered); weight decay 0 as the others'.
DERIVABLE = {SirenSuperResolver: dict(back_projection=0)}


# -- parameters -------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_parameters_are_keyword_only_and_complete(cls):
    with pytest.raises(TypeError, match="positional"):
        cls(64)
    signature = inspect.signature(cls)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in signature.parameters.values())
    assert set(signature.parameters) == set(cls().get_params())
    # Every parameter is validated by scikit-learn's machinery, in fit.
    assert set(cls._parameter_constraints) == set(signature.parameters)
    with pytest.raises(TypeError, match="unexpected keyword argument 'hiden_features'"):
        cls(hiden_features=3)


def test_super_resolver_trains_with_the_shared_parameters(small):
    # batch_size, loss and warm_start were class attributes documented as parameters.
    params = SirenSuperResolver().get_params()
    assert {"batch_size", "loss", "warm_start"} <= set(params)
    coords, pixels = _data(SirenSuperResolver)
    # The plain fit (no gradient loss, no back-projection) trains on mini-batches.
    plain = dict(gradient_weight=0.0, back_projection=0, batch_size=16)
    est = SirenSuperResolver(**small(**TINY, **plain)).fit(coords, pixels)
    assert est.history_[-1, "train_batch_count"] == 4


def _doc_names(section) -> list[str]:
    return [name.strip() for item in section for name in item.name.split(",")]


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_numpydoc_parameters_match_the_signature(cls):
    documented = _doc_names(ClassDoc(cls)["Parameters"])
    assert len(documented) == len(set(documented)), "a parameter is documented twice"
    assert set(documented) == set(inspect.signature(cls).parameters)
    for name in ("fit", "predict", "predict_gradient", "predict_laplacian", "score", "upscale"):
        method = getattr(cls, name, None)
        if method is None or name == "score" and cls is not PoissonSolver:
            continue  # score is RegressorMixin's, documented by scikit-learn
        expected = [p for p in inspect.signature(method).parameters if p != "self"]
        assert _doc_names(FunctionDoc(method)["Parameters"]) == expected, name


# -- warm start -------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_warm_start_trains_with_the_new_training_parameters(small, cls):
    coords, target = _data(cls)
    recorder = OptimizerRecorder()
    params = small(**TINY, warm_start=True, callbacks=[recorder], weight_decay=0.0)
    est = cls(**params).fit(coords, target)
    assert recorder.seen_ == [(1e-3, 0.0)] * 4
    weights = [p.detach().clone() for p in est.net_.module_.parameters()]
    est.set_params(lr=0.5, weight_decay=0.1, max_epochs=3, lr_factor=0.5, lr_patience=7)
    est.fit(coords, target)
    assert recorder.seen_ == [(0.5, 0.1)] * 3
    assert len(est.history_) == 7  # the history continues
    scheduler = dict(est.net_.callbacks_)["lr_scheduler"]
    assert scheduler.factor == 0.5 and scheduler.patience == 7
    # The same network trained on: its weights moved from where the first fit left them.
    assert any(
        not np.array_equal(before, after.detach())
        for before, after in zip(weights, est.net_.module_.parameters())
    )
    est.set_params(lr_schedule=None, max_epochs=2).fit(coords, target)
    assert dict(est.net_.callbacks_)["lr_scheduler"].kind is None
    assert list(est.history_[-2:, "event_lr"]) == [0.5, 0.5]


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_warm_start_refuses_a_different_network(small, cls):
    coords, target = _data(cls)
    est = cls(**small(**TINY, warm_start=True)).fit(coords, target)
    with pytest.raises(
        ValueError,
        match="warm_start=True continues the fitted network, "
        "built with hidden_features=16; got "
        "hidden_features=32",
    ):
        est.set_params(hidden_features=32).fit(coords, target)


# -- methods change nothing -------------------------------------------------------------
def _calls(est, coords, target):
    calls = [lambda: est.predict(coords), lambda: est.score(coords, target)]
    if not (isinstance(est, SirenSuperResolver) and est.residual):
        calls += [lambda: est.predict_gradient(coords), lambda: est.predict_laplacian(coords)]
    if isinstance(est, SirenSuperResolver):
        calls.append(lambda: est.upscale(np.random.default_rng(0).random(SHAPE), 2))
    return calls


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_public_methods_change_neither_parameters_nor_fitted_state(small, cls):
    coords, target = _data(cls)
    est = cls(**small(**TINY, **DERIVABLE.get(cls, {}), predict_batch_size=24))
    if cls is SirenSuperResolver:
        est.set_params(degradation="bicubic", scale=2)
        before = est.get_params()
        est.upscale(np.random.default_rng(0).random(SHAPE), 3)  # on an unfitted one
        assert est.get_params() == before and not hasattr(est, "net_")
    est.fit(coords, target)
    params, state = est.get_params(), pickle.dumps(est)
    for call in _calls(est, coords, target):
        call()
        assert est.get_params() == params
        assert pickle.dumps(est) == state


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_threads_predicting_with_one_estimator_get_the_serial_results(small, cls):
    coords, target = _data(cls)
    params = small(**TINY, **DERIVABLE.get(cls, {}), predict_batch_size=16)
    est = cls(**params).fit(coords, target)  # derivative chunks of 2
    methods = [est.predict, est.predict_gradient, est.predict_laplacian] * 2
    serial = [method(coords) for method in methods]
    results = [None] * len(methods)
    barrier = threading.Barrier(len(methods))

    def run(index):
        barrier.wait()
        results[index] = methods[index](coords)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(methods))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for expected, result in zip(serial, results):
        np.testing.assert_array_equal(result, expected)


# -- the bugs the redesign fixed --------------------------------------------------------
def test_poisson_loss_along_time_refuses_2d_coordinates(small):
    coords, gradient = _data(PoissonSolver)
    with pytest.raises(ValueError, match="loss='mse\\+fft' takes the FFT along time"):
        PoissonSolver(**small(**TINY, loss="mse+fft")).fit(coords, gradient)


def test_poisson_relu_network_uses_he_initialisation_by_default(small):
    est = PoissonSolver(**small(**TINY, activation="relu")).fit(*_data(PoissonSolver))
    assert est.network_.layer == "relu"
    assert [layer.name for layer in est.net_.module_.hidden] == ["relu", "relu"]


# -- packaging --------------------------------------------------------------------------
def _declared_requirements(section: str = "install_requires") -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    if section == "install_requires":
        lines = config["options"]["install_requires"].split()
    else:  # every optional extra
        lines = " ".join(config["options.extras_require"].values()).split()
    return {re.split(r"[<>=!~ ;\[]", line)[0].lower().replace("_", "-") for line in lines if line}


def _imported_modules(top_level: bool) -> set[str]:
    """Modules imported at module level (``top_level``) or only inside functions."""
    modules = set()
    for path in (ROOT / "sirenkit").rglob("*.py"):
        tree = ast.parse(path.read_text())
        nodes = tree.body if top_level else ast.walk(tree)
        for node in nodes:
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"sirenkit", "__future__"}


def test_every_import_is_declared_in_install_requires():
    """Module-level imports are requirements; imports inside functions (the optional
    readers: PLY, meshes, MP4) may come from an extra instead."""
    if not (ROOT / "setup.cfg").exists():
        pytest.skip("not a source checkout")
    distributions = packages_distributions()
    required, optional = _declared_requirements(), _declared_requirements("extras")
    top_level = _imported_modules(top_level=True)
    for module in sorted(_imported_modules(top_level=False)):
        names = {name.lower().replace("_", "-") for name in distributions.get(module, [])}
        declared = required if module in top_level else required | optional
        assert names & declared, (
            f"sirenkit imports {module} ({names or 'not installed'}), "
            f"which install_requires does not declare"
        )
