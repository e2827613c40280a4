"""The speed options: heap reuse, TF32, bfloat16 autocast and torch.compile."""

import ctypes
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sirenkit import PoissonSolver, SirenRegressor, _runtime, grid_coords
from sirenkit._plan import Model, SignalMap
from sirenkit.metrics import psnr
from sirenkit.nn import NetworkSpec
from sirenkit.operators import image_gradient

needs_glibc = pytest.mark.skipif(
    not _runtime.heap_reuse_supported(), reason="heap reuse needs glibc"
)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mmapped_blocks_for(nbytes: int) -> int:
    """How many more mmapped blocks malloc holds while a tensor of ``nbytes`` lives."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    before = libc.mallinfo2().hblks
    block = torch.empty(nbytes // 4, dtype=torch.float32)
    during = libc.mallinfo2().hblks
    del block
    return during - before


MiB = 2**20


@needs_glibc
def test_heap_reuse_serves_large_blocks_from_the_heap_and_restores():
    # Outside, sizes larger than any block the heap may keep from earlier fits.
    assert _mmapped_blocks_for(1024 * MiB) == 1  # glibc's default: its own mapping
    with _runtime.cpu_heap_reuse():
        assert _mmapped_blocks_for(64 * MiB) == 0
        with _runtime.cpu_heap_reuse():  # nested: the outer one still holds
            pass
        assert _mmapped_blocks_for(128 * MiB) == 0
    assert _mmapped_blocks_for(1536 * MiB) == 1
    with _runtime.cpu_heap_reuse(enabled=False):
        assert _mmapped_blocks_for(2048 * MiB) == 1


@needs_glibc
def test_fit_runs_under_heap_reuse_only_when_asked():
    seen = []

    class Probe(torch.nn.Module):
        def __init__(self, size):
            super().__init__()
            self.size = size
            self.linear = torch.nn.Linear(2, 1)

        def forward(self, x):
            seen.append(_mmapped_blocks_for(self.size))
            return self.linear(x)

    class ProbeNetwork(NetworkSpec):
        def build(self, seed=None):
            return Probe(self.first_params["size"])

    class ProbeRegressor(SirenRegressor):
        def _model(self, X, y):
            size = 64 * MiB if self.reuse_cpu_memory else 3072 * MiB
            return Model(
                ProbeNetwork("sine", 2, 1, 1, 0, first_params={"size": size}),
                SignalMap.from_range(y),
            )

    coords = grid_coords((8, 8))
    for reuse, expected in ((False, 1), (True, 0)):
        seen.clear()
        est = ProbeRegressor(max_epochs=2, device="cpu", reuse_cpu_memory=reuse).fit(
            coords, coords[:, 0]
        )
        assert seen and set(seen) == {expected}
    assert _mmapped_blocks_for(4096 * MiB) == 1
    # Not while predicting: a heap that never unmaps would grow with the grid there.
    seen.clear()
    est.net_.module_.size = 5120 * MiB
    est.predict(coords)
    assert seen == [1]


def _float32_mode():
    return torch.get_float32_matmul_precision(), torch.backends.cudnn.allow_tf32


def test_cuda_float32_arithmetic_is_set_for_matmuls_and_convolutions_and_restored():
    before = _float32_mode()
    assert before == ("highest", True)  # torch's defaults: convolutions may use TF32
    est = SirenRegressor(precision="tf32")
    est.device_, est.precision_ = "cuda", "tf32"  # the settings only; no CUDA needed
    with est._runtime():
        assert _float32_mode() == ("high", True)
        with _runtime.float32_precision(tf32=True):  # nested: shares the setting
            pass
        assert _float32_mode() == ("high", True)
    assert _float32_mode() == before
    est.precision_ = "float32"  # full float32 for kornia's convolutions too
    with est._runtime():
        assert _float32_mode() == ("highest", False)
    assert _float32_mode() == before
    est.device_ = "cpu"  # nothing changes for the CPU
    with est._runtime():
        assert _float32_mode() == before


def test_a_seeded_cuda_fit_asks_cudnn_for_deterministic_algorithms():
    before = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    est = SirenRegressor(random_state=0)
    est.device_, est.precision_ = "cuda", "float32"
    with est._runtime():
        assert (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark) == (
            True,
            False,
        )
    with est._runtime(training=False):  # predict: nothing to repeat
        assert torch.backends.cudnn.deterministic == before[0]
    assert (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark) == before


def _image(side=24):
    coords = grid_coords((side, side))
    return coords, 0.5 + 0.4 * np.sin(5 * coords[:, 0]) * np.cos(3 * coords[:, 1])


def test_bfloat16_fits_in_mixed_precision_with_float32_output():
    coords, pixels = _image()
    params = dict(hidden_features=32, hidden_layers=2, max_epochs=150, random_state=0, device="cpu")
    full = SirenRegressor(**params).fit(coords, pixels)
    mixed = SirenRegressor(precision="bfloat16", **params).fit(coords, pixels)
    dtypes = []
    mixed.net_.module_.hidden[1].linear.register_forward_hook(
        lambda module, args, out: dtypes.append(out.dtype)
    )
    prediction = mixed.predict(coords)
    assert dtypes == [torch.bfloat16]  # the matmuls ran in bfloat16
    assert prediction.dtype == np.float64
    assert psnr(pixels, prediction) > 25  # it trains ...
    assert psnr(pixels, prediction) < psnr(pixels, full.predict(coords))  # ... less well
    assert np.isfinite(mixed.history_[-1, "train_psnr"])


def test_precision_is_validated_and_refused_for_derivative_targets():
    coords, pixels = _image(16)
    with pytest.raises(ValueError, match="'precision' parameter"):
        SirenRegressor(precision="float16", max_epochs=1).fit(coords, pixels)
    gradient = image_gradient(pixels.reshape(16, 16)).reshape(len(coords), -1)
    with pytest.raises(ValueError, match="precision='bfloat16' is for fits of the signal"):
        PoissonSolver(precision="bfloat16", max_epochs=1).fit(coords, gradient)
    with pytest.raises(TypeError, match="'compile' parameter"):
        SirenRegressor(compile="yes", max_epochs=1).fit(coords, pixels)
    with pytest.raises(TypeError, match="'reuse_cpu_memory' parameter"):
        SirenRegressor(reuse_cpu_memory=None, max_epochs=1).fit(coords, pixels)


def test_compile_fits_like_eager_and_pickles():
    coords, pixels = _image(16)
    params = dict(hidden_features=16, hidden_layers=1, max_epochs=5, random_state=0, device="cpu")
    eager = SirenRegressor(**params).fit(coords, pixels)
    compiled = SirenRegressor(compile=True, **params).fit(coords, pixels)
    assert isinstance(compiled.net_.module_, torch._dynamo.eval_frame.OptimizedModule)
    np.testing.assert_allclose(compiled.predict(coords), eager.predict(coords), atol=1e-4)
    np.testing.assert_allclose(
        compiled.predict_laplacian(coords), eager.predict_laplacian(coords), rtol=1e-3, atol=1e-2
    )
    restored = pickle.loads(pickle.dumps(compiled))
    np.testing.assert_allclose(restored.predict(coords), compiled.predict(coords), atol=1e-6)
    assert clone(compiled).get_params()["compile"] is True


def test_compile_failure_falls_back_to_eager_from_the_same_start(monkeypatch):
    coords, pixels = _image(16)
    params = dict(hidden_features=16, hidden_layers=1, max_epochs=5, random_state=0, device="cpu")
    eager = SirenRegressor(**params).fit(coords, pixels)

    class Broken(torch.nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *args):
            raise RuntimeError("backend compiler failed\nlong trace")

    monkeypatch.setattr(torch, "compile", lambda module, **kwargs: Broken(module))
    with pytest.warns(
        RuntimeWarning,
        match="torch.compile failed in the first epoch "
        r"\(RuntimeError: backend compiler failed\)",
    ):
        fallback = SirenRegressor(compile=True, **params).fit(coords, pixels)
    np.testing.assert_array_equal(fallback.predict(coords), eager.predict(coords))
    assert len(fallback.history_) == 5


def test_compile_unsupported_platform_trains_eagerly(monkeypatch):
    coords, pixels = _image(8)
    monkeypatch.setattr(torch._dynamo, "is_dynamo_supported", lambda: False)
    with pytest.warns(RuntimeWarning, match="not supported on this platform"):
        est = SirenRegressor(compile=True, hidden_features=8, max_epochs=2).fit(coords, pixels)
    assert not isinstance(est.net_.module_, torch._dynamo.eval_frame.OptimizedModule)


def test_errors_after_the_first_epoch_are_not_hidden_by_the_fallback(monkeypatch):
    coords, pixels = _image(8)
    calls = []

    class FailsLater(torch.nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *args):  # the module, or skorch's criterion
            calls.append(1)
            if len(calls) > 2:  # the second epoch
                raise RuntimeError("out of memory")
            return self.module(*args)

    monkeypatch.setattr(torch, "compile", lambda module, **kwargs: FailsLater(module))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match="out of memory"):
            SirenRegressor(compile=True, hidden_features=8, max_epochs=5).fit(coords, pixels)
