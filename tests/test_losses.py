import numpy as np
import pytest
import torch

from sirenkit.losses import MultiscaleMSELoss, multiscale_mse


def block_mean(field: np.ndarray, block: int) -> np.ndarray:
    h, w, c = field.shape
    return field.reshape(h // block, block, w // block, block, c).mean(axis=(1, 3))


def test_multiscale_mse_equals_weighted_block_averages():
    rng = np.random.default_rng(0)
    shape = (16, 32)  # levels 16x32, 8x16, 4x8
    prediction, target = rng.normal(size=(2, 16 * 32, 3))
    residual = (prediction - target).reshape(*shape, 3)
    expected = sum(2.5**s * np.mean(block_mean(residual, 2**s) ** 2) for s in range(3))
    loss = multiscale_mse(torch.from_numpy(prediction), torch.from_numpy(target), shape, 2.5)
    assert float(loss) == pytest.approx(expected, rel=1e-12)


def test_constant_error_counts_at_every_level_and_checkerboard_only_at_the_finest():
    shape = (32, 32)  # 4 levels: 32, 16, 8, 4
    zeros = torch.zeros(32 * 32, 1, dtype=torch.float64)
    constant = torch.full_like(zeros, 0.5)
    checker = torch.from_numpy(np.indices(shape).sum(axis=0).reshape(-1, 1) % 2 * 2 - 1.0)
    assert float(multiscale_mse(constant, zeros, shape, 4.0)) == pytest.approx(
        0.25 * (1 + 4 + 16 + 64)
    )
    assert float(multiscale_mse(checker, zeros, shape, 4.0)) == pytest.approx(1.0)


@pytest.mark.parametrize("shape", [(40,), (8, 9), (8, 8, 12)])
def test_any_grid_dimension_and_odd_sizes_are_differentiable(shape):
    n = int(np.prod(shape))
    prediction = torch.randn(n, 2, dtype=torch.float64, requires_grad=True)
    target = torch.randn(n, 2, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda p: multiscale_mse(p, target, shape), (prediction,))


def test_module_and_bad_shape():
    loss = MultiscaleMSELoss((4, 4), level_weight=16.0)
    assert "level_weight=16" in repr(loss)
    assert float(loss(torch.ones(16, 1), torch.zeros(16, 1))) == 1.0
    with pytest.raises(ValueError, match="1 to 3 axes"):
        multiscale_mse(torch.ones(16, 1), torch.zeros(16, 1), (2, 2, 2, 2))
