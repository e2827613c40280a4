"""scikit-learn estimators that fit an implicit neural representation to a sampled signal."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import LOSSES, BaseINR, auto_hidden_layers, docstring
from ._plan import Model, SignalMap
from .omega import auto_omega_0

__all__ = ["SirenRegressor", "ReluMLPRegressor", "auto_hidden_layers", "LOSSES"]

_POSITIVE = Interval(Real, 0, None, closed="neither")
#: SirenRegressor's first-layer omega_0: twice the SIREN paper's 30. With the default
#: mini-batches and cosine schedule, 256x256 photographs outside the tuning set reach
#: 40 dB in 44-56 epochs at 60 against 66-100+ at 30 (43.4-46.4 dB after 100 epochs
#: against 39.3-42.0), for -0.5 to 0 dB when rendered between the fitted pixels
#: (docs/benchmarks.md).
DEFAULT_OMEGA_0 = 60.0


class SineNetworkMixin:
    """The sine-network parameters of the SIREN estimators: ``omega_0``, ``hidden_omega_0``.

    Mixed in before :class:`BaseINR` (which merges its constraints and model parameters);
    ``_omega_0(X, y)`` resolves the first-layer factor.
    """

    _parameter_constraints = {
        "omega_0": [_POSITIVE, StrOptions({"auto"})],
        "hidden_omega_0": [_POSITIVE],
    }
    _model_parameters = ("omega_0", "hidden_omega_0")

    def __init__(
        self, *, omega_0: float | str = 30.0, hidden_omega_0: float = 30.0, **params
    ) -> None:
        super().__init__(**params)
        self.omega_0 = omega_0
        self.hidden_omega_0 = hidden_omega_0

    def _omega_0(self, X: np.ndarray, y: np.ndarray) -> float:
        if self.omega_0 == "auto":
            return auto_omega_0(X, y, self.data_range)
        return float(self.omega_0)

    def _sine_model(
        self,
        X: np.ndarray,
        y: np.ndarray,
        signal: SignalMap,
        *,
        zero_output: bool = False,
        **attributes,
    ) -> Model:
        """The model of a SIREN on ``X`` with the output map ``signal``."""
        omega_0 = self._omega_0(X, y)
        network = self._network(
            X,
            signal.n_outputs,
            "sine",
            first_params={"omega_0": omega_0},
            hidden_params={"omega_0": float(self.hidden_omega_0)},
            zero_output=zero_output,
        )
        return Model(network, signal, {"omega_0_": omega_0, **attributes})


class SirenRegressor(SineNetworkMixin, BaseINR):
    _parameter_constraints = {
        "omega_0": [_POSITIVE, StrOptions({"auto", "sample_rate"})],
        "sample_rate": [_POSITIVE, None],
    }
    _model_parameters = ("sample_rate",)

    def __init__(
        self, *, omega_0: float | str = DEFAULT_OMEGA_0, sample_rate: float | None = None, **params
    ) -> None:
        super().__init__(omega_0=omega_0, **params)
        self.sample_rate = sample_rate

    def _omega_0(self, X: np.ndarray, y: np.ndarray) -> float:
        if self.omega_0 != "sample_rate":
            return super()._omega_0(X, y)
        if self.sample_rate is None:
            raise ValueError(
                "omega_0='sample_rate' needs sample_rate (in Hz), e.g. the rate load_audio returns"
            )
        return float(self.sample_rate)

    def _model(self, X: np.ndarray, y: np.ndarray) -> Model:
        return self._sine_model(X, y, SignalMap.from_range(y))


SirenRegressor.__doc__ = docstring("""SIREN fitted to a signal: an MLP with sine activations.

    Parameters
    ----------
    sample_rate : float or None, default=None
        Sample rate of an audio signal in Hz, for ``omega_0="sample_rate"``.
    omega_0 : float, "auto" or "sample_rate", default=60.0
        Frequency factor of the first layer, in radians per unit of the ``[-1, 1]``
        coordinates. 60, twice the SIREN paper's 30, fits photographs to 40 dB in about
        half the epochs (docs/benchmarks.md); lower it (30, or 15 as
        :class:`SirenSuperResolver` does) for smoother renderings between the samples.
        ``"auto"`` applies the omega_0* rule of
        :func:`sirenkit.omega.auto_omega_0` (needs the full grid of samples).
        ``"sample_rate"`` is the audio report's rule: ``omega_0 = sample_rate`` (the number
        in Hz). On a clip of ``T`` seconds mapped to ``[-1, 1]``, a first-layer frequency
        ``omega`` is ``omega / (pi T)`` Hz, so this sets the first layer's band to
        ``sample_rate / (pi T)`` Hz (2 kHz for 7 s at 44.1 kHz); deeper layers reach higher.
    hidden_omega_0 : float, default=30.0
        Frequency factor of the other sine layers.
    %(common_params)s

    Attributes
    ----------
    %(common_attributes)s
    omega_0_ : float
        The first-layer omega_0 used.

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import SirenRegressor, grid_coords
    >>> from sirenkit.metrics import psnr
    >>> coords = grid_coords((32, 32))
    >>> pixels = 0.5 + 0.5 * np.sin(6 * coords[:, 0]) * np.cos(4 * coords[:, 1])
    >>> est = SirenRegressor(hidden_features=64, hidden_layers=2, max_epochs=200,
    ...                      random_state=0).fit(coords, pixels)
    >>> psnr(pixels, est.predict(coords)) > 35
    True
    >>> est.predict(grid_coords((128, 128))).shape     # any resolution
    (16384,)
    """)


class ReluMLPRegressor(BaseINR):
    def _model(self, X: np.ndarray, y: np.ndarray) -> Model:
        signal = SignalMap.from_range(y)
        return Model(self._network(X, signal.n_outputs, "relu"), signal)


ReluMLPRegressor.__doc__ = docstring("""The baseline: an MLP with ReLU activations.

    The same network as :class:`SirenRegressor` with ``ReLU(W x + b)`` layers and He
    initialisation. Its output is piecewise linear: it fits images with blur and its
    Laplacian is zero almost everywhere.

    Parameters
    ----------
    %(common_params)s

    Attributes
    ----------
    %(common_attributes)s

    Examples
    --------
    >>> from sirenkit import ReluMLPRegressor, grid_coords
    >>> coords = grid_coords((16, 16))
    >>> est = ReluMLPRegressor(hidden_features=32, max_epochs=5).fit(coords, coords[:, 0])
    >>> est.predict(coords).shape
    (256,)
    """)
