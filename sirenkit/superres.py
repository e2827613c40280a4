"""Single-image super-resolution with a SIREN: fit the low-resolution image, render denser."""

from __future__ import annotations

import numbers

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted
from torch import nn

from . import operators
from .coords import grid_coords, image_to_samples, infer_grid_shape, samples_to_grid
from .omega import omega_from_laplacian
from .regressors import (
    SirenRegressor,
    _check_bool,
    _check_choice,
    _check_positive_float,
    _docstring,
)
from .resample import _check_image, bicubic_upscale, resize_grid, scaled_shape

__all__ = ["SirenSuperResolver", "ForwardModel", "SobelMSELoss", "schedule_stages"]

DEGRADATIONS = (None, "bicubic")
SCHEDULES = (None, "multiscale", "progressive")
#: The super-resolution report's ratio std(L(bicubic x4 of LR)) / std(L(HR)) of the
#: omega_0* rule's Laplacian, by which omega_0="auto_hr" divides the rule.
HR_OMEGA_FACTOR = 0.15
#: Trick 1 of the report: (nearest downscale, then bicubic upscale) of the LR image, and the
#: share of the epochs of each stage (500 x 4 then 1000 x 3 of 5000).
MULTISCALE_STAGES = [((4, 4), 0.1), ((3, 3), 0.1), ((2, 2), 0.1), ((1.5, 1.5), 0.1),
                     ((1, 1), 0.2), ((1, 1.5), 0.2), ((1, 2), 0.2)]
#: Trick 2: the LR image (1000 of 5000 epochs), then bicubic upscales by 1.1, 1.2 ... 3.0
#: (200 epochs each).
PROGRESSIVE_STAGES = [((1, 1), 0.2)] + [((1, 1 + 0.1 * i), 0.04) for i in range(1, 21)]


def schedule_stages(image: np.ndarray, schedule: str,
                    max_epochs: int) -> list[tuple[np.ndarray, int]]:
    """The training images and epochs of a multi-stage schedule (the report's tricks).

    Each stage's image is the LR image resized to ``round(H / down * up)`` pixels: first
    by nearest neighbour (centre-aligned) to ``1 / down``, then by bicubic to ``up``
    times that. Every stage covers the same extent ``[-1, 1]^2`` on its own cell-centre
    grid (the report put each stage's pixels from -1 to 1 inclusive, which shifts them
    against the LR image by up to half a pixel).

    Returns
    -------
    list of (image (h, w, C), epochs); the epochs add up to ``max_epochs``.
    """
    stages = {"multiscale": MULTISCALE_STAGES, "progressive": PROGRESSIVE_STAGES}[schedule]
    epochs = [max(1, int(round(share * max_epochs))) for _, share in stages]
    epochs[-1] = max(1, epochs[-1] + max_epochs - sum(epochs))
    grid = torch.from_numpy(np.asarray(image, dtype=np.float64))
    result = []
    for ((down, up), _), stage_epochs in zip(stages, epochs):
        small = scaled_shape(grid.shape[:2], 1 / down)
        stage = grid
        if small != tuple(grid.shape[:2]):
            stage = F.interpolate(grid.permute(2, 0, 1)[None], size=small,
                                  mode="nearest-exact")[0].permute(1, 2, 0)
        final = scaled_shape(small, up)
        if final != small:
            stage = resize_grid(stage, final)
        result.append((stage.numpy(), stage_epochs))
    return result


def _check_upscale(scale) -> float:
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) \
            or not np.isfinite(scale) or scale < 1:
        raise ValueError(f"scale must be a number >= 1 (the upscaling factor), got {scale!r}")
    return float(scale)


class ForwardModel:
    """Training operator: render the HR grid, degrade it to the LR grid.

    ``operator(module, coords) -> (lr, lr)``: the module is evaluated on the whole grid
    ``grid_coords(hr_shape)`` (``coords``, the LR grid, only give the device and dtype)
    and downscaled by antialiased bicubic resampling to ``lr_shape``.
    """

    def __init__(self, hr_shape: tuple[int, int], lr_shape: tuple[int, int]) -> None:
        self.hr_shape = tuple(hr_shape)
        self.lr_shape = tuple(lr_shape)
        self._hr_coords = None

    def _grid(self, like: torch.Tensor) -> torch.Tensor:
        """The HR grid, built once on the training device."""
        grid = self._hr_coords
        if grid is None or grid.device != like.device or grid.dtype != like.dtype:
            grid = torch.from_numpy(grid_coords(self.hr_shape)).to(like.device, like.dtype)
            self._hr_coords = grid
        return grid

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_hr_coords": None}      # rebuilt on use, not pickled

    def __call__(self, module: nn.Module,
                 coords: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        render = module(self._grid(coords)).reshape(*self.hr_shape, -1)
        low = resize_grid(render, self.lr_shape, antialias=True).reshape(len(coords), -1)
        return low, low


class SobelMSELoss(nn.Module):
    """``MSE + gradient_weight * MSE`` of the images' Sobel gradients, in units per pixel.

    Inputs are ``(h * w, C)`` samples of an image in row-major order; the gradient is
    :func:`sirenkit.operators.grid_gradient` times the pixel pitch (kornia's normalised
    Sobel: half the central difference, smoothed), its two components averaged.

    Parameters
    ----------
    shape : (int, int)
        The image grid; the estimator sets it for each stage of a schedule.
    gradient_weight : float
    """

    def __init__(self, shape: tuple[int, int], gradient_weight: float) -> None:
        super().__init__()
        self.shape = tuple(shape)
        self.gradient_weight = gradient_weight

    def _per_pixel_gradient(self, samples: torch.Tensor) -> torch.Tensor:
        gradient = operators.grid_gradient(samples.reshape(*self.shape, -1))
        pitch = torch.tensor([2 / n for n in self.shape], dtype=samples.dtype,
                             device=samples.device)
        return gradient * pitch

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        mse = torch.mean((prediction - target) ** 2)
        difference = self._per_pixel_gradient(prediction) - self._per_pixel_gradient(target)
        return mse + self.gradient_weight * torch.mean(difference**2)


class SirenSuperResolver(SirenRegressor):
    # Not parameters here: an image estimator (no audio options), trained full-batch in
    # one go (a schedule or the forward model works on whole grids).
    loss = "mse"
    sample_rate = None
    batch_size = None
    warm_start = False

    def __init__(self, scale: float = 4.0, degradation: str | None = None,
                 residual: bool = False, gradient_weight: float = 0.0,
                 schedule: str | None = None, hidden_features: int = 256,
                 hidden_layers: int = 3, omega_0: float | str = 30.0,
                 hidden_omega_0: float = 30.0, first_layer_init: str = "sitzmann",
                 hidden_init: str = "sitzmann", lr: float = 1e-3, max_epochs: int = 500,
                 lr_schedule: str | None = "plateau", lr_factor: float = 0.6,
                 lr_patience: int | str = "auto", weight_decay: float = 0.0,
                 data_range: float = 1.0,
                 coord_range: tuple[float, float] | None = (-1.0, 1.0),
                 predict_batch_size: int = 65536, callbacks: list | None = None,
                 checkpoint_dir: str | None = None, device: str = "auto",
                 compile: bool = False, precision: str = "float32",
                 reuse_cpu_memory: bool = True, random_state=None,
                 verbose: int = 0) -> None:
        self.scale = scale
        self.degradation = degradation
        self.residual = residual
        self.gradient_weight = gradient_weight
        self.schedule = schedule
        self.hidden_features = hidden_features
        self.hidden_layers = hidden_layers
        self.omega_0 = omega_0
        self.hidden_omega_0 = hidden_omega_0
        self.first_layer_init = first_layer_init
        self.hidden_init = hidden_init
        self.lr = lr
        self.max_epochs = max_epochs
        self.lr_schedule = lr_schedule
        self.lr_factor = lr_factor
        self.lr_patience = lr_patience
        self.weight_decay = weight_decay
        self.data_range = data_range
        self.coord_range = coord_range
        self.predict_batch_size = predict_batch_size
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.device = device
        self.compile = compile
        self.precision = precision
        self.reuse_cpu_memory = reuse_cpu_memory
        self.random_state = random_state
        self.verbose = verbose

    # -- validation and targets -------------------------------------------------------
    def _needs_image(self) -> bool:
        """Every option but the plain fit needs the LR image on its full grid."""
        return (self.degradation is not None or self.residual or self.schedule is not None
                or self.gradient_weight > 0 or self.omega_0 == "auto_hr")

    def _fit_targets(self, X: np.ndarray, y: np.ndarray) -> None:
        self._check_recipe()
        self.lr_shape_ = self.hr_shape_ = self.lr_image_ = None
        if self._needs_image():
            shape = infer_grid_shape(X)
            if shape is None or len(shape) != 2:
                raise ValueError(
                    "X must be the full 2-D pixel grid of the low-resolution image, as "
                    "image_to_samples(image) or grid_coords((H, W)) return it (in any "
                    f"order), for degradation, residual, schedule, gradient_weight and "
                    f"omega_0='auto_hr'; got {len(X)} {X.shape[1]}-D coordinates that "
                    "are not")
            self.lr_shape_ = shape
            self.hr_shape_ = scaled_shape(shape, self.scale)
            self.lr_image_ = samples_to_grid(X, y.reshape(len(y), -1))   # (H, W, C)
        super()._fit_targets(X, y)
        if self.residual:
            # The network fits the correction to the bicubic upscale: centred on zero.
            self.target_center_ = np.zeros(self.n_outputs_)

    def _check_recipe(self) -> None:
        _check_upscale(self.scale)
        _check_choice("degradation", self.degradation, DEGRADATIONS)
        _check_choice("schedule", self.schedule, SCHEDULES)
        _check_positive_float("gradient_weight", self.gradient_weight, allow_zero=True)
        _check_bool("residual", self.residual)
        if self.residual and self.degradation is None:
            raise ValueError("residual=True needs degradation='bicubic': bicubic "
                             "interpolation reproduces the LR pixels, so the residual on "
                             "the LR grid is zero and there is nothing to fit")
        if self.schedule is not None and self.degradation is not None:
            raise ValueError("schedule (the report's multi-stage fits of resized LR images) "
                             "and degradation='bicubic' do not combine: choose one")

    def _resolve_omega_0(self, X: np.ndarray, y: np.ndarray) -> float:
        if self.omega_0 == "auto_hr":
            # The report's omega_HR: the omega_0* rule on the bicubic upscale, whose
            # Laplacian is smoother than the HR image's by HR_OMEGA_FACTOR.
            upscaled = bicubic_upscale(self.lr_image_ / self.data_range, self.scale)
            return omega_from_laplacian(upscaled) / HR_OMEGA_FACTOR
        return super()._resolve_omega_0(X, y)

    def _bicubic_at(self, X: np.ndarray) -> np.ndarray:
        """The bicubic interpolation of the LR image at coordinates ``X``."""
        image = torch.from_numpy(self.lr_image_).permute(2, 0, 1)[None]
        # grid_sample wants (x, y) = (column, row); "border" replicates the edge pixels, as
        # bicubic_upscale does.
        where = torch.from_numpy(np.asarray(X, dtype=np.float64))[None, None].flip(-1)
        values = F.grid_sample(image, where, mode="bicubic", align_corners=False,
                               padding_mode="border")
        return values[0, :, 0].T.numpy()

    def _training_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.lr_image_ is None:
            return super()._training_data(X, y)
        X = grid_coords(self.lr_shape_)           # row-major: the grid losses need it
        target = self.lr_image_.reshape(len(X), -1)
        if self.residual:
            upscaled = self._bicubic_at(grid_coords(self.hr_shape_))
            upscaled = upscaled.reshape(*self.hr_shape_, -1)
            degraded = resize_grid(torch.from_numpy(upscaled), self.lr_shape_, antialias=True)
            target = target - degraded.reshape(len(X), -1).numpy()
        return X, (target - self.target_center_) / self.target_scale_

    def _target_operator(self):
        if self.degradation == "bicubic":
            return ForwardModel(self.hr_shape_, self.lr_shape_)
        return None

    def _criterion(self):
        if self.gradient_weight > 0:
            return SobelMSELoss(self.lr_shape_, self.gradient_weight)
        return super()._criterion()

    def _build_module(self, n_inputs: int, n_outputs: int) -> nn.Module:
        module = super()._build_module(n_inputs, n_outputs)
        if self.residual:
            # Start from the bicubic upscale: the forward model cannot see the frequencies
            # above the LR Nyquist limit, so whatever the network starts with there stays.
            nn.init.zeros_(module.net[-1].weight)
            nn.init.zeros_(module.net[-1].bias)
        return module

    # -- fit ----------------------------------------------------------------------------
    def _train(self, X: np.ndarray, y: np.ndarray) -> None:
        if self.schedule is None:
            return super()._train(X, y)
        # One network and optimiser trained on each stage's image in turn.
        criterion = self.net_.criterion_
        for image, epochs in schedule_stages(self.lr_image_, self.schedule, self.max_epochs):
            coords = grid_coords(image.shape[:2])
            target = (image.reshape(len(coords), -1) - self.target_center_) \
                / self.target_scale_
            if isinstance(criterion, SobelMSELoss):
                criterion.shape = image.shape[:2]
            self.net_.partial_fit(*self._to_tensors(coords, target), epochs=epochs)
        if isinstance(criterion, SobelMSELoss):
            criterion.shape = self.lr_shape_

    def _predict_signal(self, X: np.ndarray) -> np.ndarray:
        signal = super()._predict_signal(X)
        return signal + self._bicubic_at(X) if self.residual else signal

    def upscale(self, image, scale: float | None = None) -> np.ndarray:
        """Fit the LR ``image`` and render it ``scale`` times denser.

        Parameters
        ----------
        image : array-like of shape (H, W) or (H, W, C)
        scale : float or None
            Sets the estimator's ``scale`` (the forward model's HR grid too); None keeps it.

        Returns
        -------
        ndarray of shape (round(H * scale), round(W * scale)[, C]), float64
        """
        image = _check_image(image)
        if scale is not None:
            self.set_params(scale=_check_upscale(scale))
        self.fit(*image_to_samples(image))
        hr_shape = scaled_shape(image.shape[:2], self.scale)
        return self.predict(grid_coords(hr_shape)).reshape(*hr_shape, *image.shape[2:])

    def _predict_derivative(self, X, operator) -> np.ndarray:
        # The one path of predict_gradient and predict_laplacian.
        check_is_fitted(self, "net_")
        if self.residual:
            raise NotImplementedError("derivatives of a residual fit would need the bicubic "
                                      "interpolant's derivatives")
        return super()._predict_derivative(X, operator)


SirenSuperResolver.__doc__ = _docstring("""Super-resolve an image with a SIREN fitted to it.

    ``fit(lr_coords, lr_pixels)`` on the low-resolution (LR) image, ``predict(hr_coords)`` on
    any denser grid of the same extent (``grid_coords((H * s, W * s))``: both grids cover
    ``[-1, 1]^2`` at their cell centres, so they line up), or ``upscale(image)`` for both.

    Two ways to train, by ``degradation``:

    * ``None`` (the report's method): the network is fitted to the LR pixels and rendered
      denser. Between the LR samples it is free, and the report found it no better than
      bicubic interpolation. Its options: ``omega_0="auto_hr"``, ``gradient_weight``,
      ``weight_decay`` and the multi-stage ``schedule``.
    * ``"bicubic"`` (a forward model): the network is rendered on the HR grid
      (``scale`` times the LR grid), downscaled by antialiased bicubic resampling (how
      DIV2K's LR images were made, see :func:`sirenkit.resample.bicubic_downscale`) and
      compared with the LR image. With ``residual=True`` the network is the correction to
      the bicubic upscale (its output layer starts at zero): the fit starts from bicubic and
      moves only where the degraded rendering disagrees with the LR image.

    Parameters
    ----------
    scale : float, default=4.0
        The upscaling factor the training works towards (the HR grid of the forward model,
        the bicubic upscale of ``omega_0="auto_hr"`` and ``residual``); ``predict`` takes
        any coordinates.
    degradation : {None, "bicubic"}, default=None
    residual : bool, default=False
        Fit the correction to the bicubic upscale (needs ``degradation="bicubic"``).
    gradient_weight : float, default=0.0
        Adds ``gradient_weight * MSE`` of the Sobel gradients (kornia's normalised Sobel, in
        units per pixel of the training grid) to the loss. The report's ``MSE + 0.1^2 x``
        squared error of kornia's *unnormalised* Sobel (8x the normalised one), summed over
        the two directions, is ``gradient_weight=1.28`` here.
    schedule : {None, "multiscale", "progressive"}, default=None
        The report's multi-stage training (``degradation=None`` only), each stage on its
        own grid over ``[-1, 1]^2``: ``"multiscale"`` (trick 1) trains on the LR image
        nearest-downscaled by 4, 3, 2, 1.5 and bicubic-upscaled back, then on the LR image,
        then on its bicubic upscales by 1.5 and 2; ``"progressive"`` (trick 2) on the LR
        image, then on its bicubic upscales by 1.1, 1.2, ... 3.0. The stages share
        ``max_epochs`` as the report's 5000 steps (see ``schedule_stages``).
    %(common_params)s
    omega_0 : float, "auto" or "auto_hr", default=30.0
        ``"auto"``: the omega_0* rule on the LR image. ``"auto_hr"``: the report's
        omega_HR, the rule on the bicubic upscale divided by 0.15 (the report computed it
        but trained with 30).
    hidden_omega_0 : float, default=30.0

    Attributes
    ----------
    %(common_attributes)s
    omega_0_ : float
    lr_shape_, hr_shape_ : tuple of int or None
        The LR grid and the HR grid ``scale`` times denser (None for a plain fit, which
        does not need the grid).

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import SirenSuperResolver
    >>> yy, xx = np.mgrid[0:16, 0:12] / 16
    >>> low = 0.5 + 0.4 * np.sin(3 * xx) * np.cos(2 * yy)
    >>> est = SirenSuperResolver(degradation="bicubic", residual=True, hidden_features=32,
    ...                          hidden_layers=1, max_epochs=20, random_state=0)
    >>> est.upscale(low, 4).shape
    (64, 48)
    """)
