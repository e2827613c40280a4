"""scikit-learn estimators that fit an implicit neural representation to a sampled signal."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import LOSSES, NONNEGATIVE, POSITIVE, BaseINR, auto_hidden_layers, docstring
from ._plan import Model, SignalMap
from .nn import DEFAULT_OMEGA_0, FOURIER_ENCODINGS, LAYERS
from .omega import auto_omega_0

__all__ = [
    "INRRegressor",
    "SirenRegressor",
    "ReluMLPRegressor",
    "activation_parameters",
    "auto_hidden_layers",
    "LOSSES",
]


def activation_parameters() -> tuple[str, ...]:
    """Every estimator parameter some registered activation takes, in registration order."""
    names: dict[str, None] = {}
    for layer in LAYERS.values():
        names.update(dict.fromkeys(layer.estimator_params))
    return tuple(names)


class ActivationNetworkMixin:
    """The network of a registered activation (:data:`sirenkit.nn.LAYERS`), built from the
    estimator's parameters.

    Mixed in before :class:`BaseINR`. An estimator either has an ``activation`` parameter
    (:class:`INRRegressor`) or fixes one (``_fixed_activation``). The activation's
    parameters (its layer's ``estimator_params``) come from the estimator's attributes of
    those names where they are not None, else from ``_activation_defaults`` (an
    estimator's own tuned values), else from the layer (its paper's). A parameter the
    activation does not take must be None: a value that would be ignored is an error.
    """

    #: The activation of an estimator without an ``activation`` parameter.
    _fixed_activation: str | None = None
    #: This estimator's defaults that differ from the layer's, per activation.
    _activation_defaults: dict[str, dict] = {}

    def _activation(self) -> str:
        name = self._fixed_activation or self.activation
        if name not in LAYERS:
            raise ValueError(f"activation must be one of {tuple(LAYERS)}, got {name!r}")
        return name

    def _activation_values(self, X: np.ndarray, y: np.ndarray) -> dict:
        """The activation's parameters, resolved (``omega_0="auto"`` computed)."""
        name = self._activation()
        defaults = {**LAYERS[name].estimator_params, **self._activation_defaults.get(name, {})}
        ignored = [
            param
            for param in activation_parameters()
            if param not in defaults and getattr(self, param, None) is not None
        ]
        if ignored:
            takes = ", ".join(defaults) or "no parameters"
            raise ValueError(
                f"activation={name!r} does not take {', '.join(ignored)} (it takes "
                f"{takes}): leave {', '.join(ignored)} at None"
            )
        values = {}
        for param, default in defaults.items():
            given = getattr(self, param, None)
            values[param] = default if given is None else given
        if "omega_0" in values:
            values["omega_0"] = self._omega_0(X, y, values["omega_0"])
        if "hidden_omega_0" in values:
            values["hidden_omega_0"] = float(values["hidden_omega_0"])
        return values

    def _omega_0(self, X: np.ndarray, y: np.ndarray, omega_0: float | str) -> float:
        """The first-layer frequency: a number, or one of the SIREN rules."""
        if not isinstance(omega_0, str):
            return float(omega_0)
        if self._activation() != "sine":
            raise ValueError(
                f"omega_0={omega_0!r} is a rule for SIREN's sine layers; "
                f"activation={self._activation()!r} takes a number"
            )
        return self._omega_0_rule(X, y, omega_0)

    def _omega_0_rule(self, X: np.ndarray, y: np.ndarray, rule: str) -> float:
        """The sine layers' first-layer frequency by the rule ``rule`` (a string omega_0)."""
        if rule == "auto":
            return auto_omega_0(X, y, self.data_range)
        if getattr(self, "sample_rate", None) is None:
            raise ValueError(
                "omega_0='sample_rate' needs sample_rate (in Hz), e.g. the rate load_audio returns"
            )
        return float(self.sample_rate)

    def _activation_model(
        self,
        X: np.ndarray,
        y: np.ndarray,
        signal: SignalMap,
        *,
        zero_output: bool = False,
        **attributes,
    ) -> Model:
        """The model of the activation's MLP on ``X`` with the output map ``signal``."""
        name = self._activation()
        values = self._activation_values(X, y)
        first_params, hidden_params = LAYERS[name].network_params(values)
        network = self._network(
            X,
            signal.n_outputs,
            name,
            first_params=first_params,
            hidden_params=hidden_params,
            zero_output=zero_output,
        )
        if "omega_0" in values:
            attributes["omega_0_"] = values["omega_0"]
        return Model(network, signal, {"activation_params_": values, **attributes})

    def _model(self, X: np.ndarray, y: np.ndarray) -> Model:
        return self._activation_model(X, y, SignalMap.from_range(y))


class INRRegressor(ActivationNetworkMixin, BaseINR):
    fits_signal_itself = True
    _parameter_constraints = {
        "activation": [str],
        "omega_0": [POSITIVE, StrOptions({"auto", "sample_rate"}), None],
        "hidden_omega_0": [POSITIVE, None],
        "gaussian_scale": [POSITIVE, None],
        "first_bias_scale": [NONNEGATIVE, None],
        "fourier_scale": [POSITIVE, None],
        "n_fourier_features": [Interval(Integral, 1, None, closed="left"), None],
        "fourier_encoding": [StrOptions(set(FOURIER_ENCODINGS)), None],
        "sample_rate": [POSITIVE, None],
    }
    _model_parameters = ("activation", *activation_parameters(), "sample_rate")

    def __init__(
        self,
        *,
        activation: str = "sine",
        omega_0: float | str | None = None,
        hidden_omega_0: float | None = None,
        gaussian_scale: float | None = None,
        first_bias_scale: float | None = None,
        fourier_scale: float | None = None,
        n_fourier_features: int | None = None,
        fourier_encoding: str | None = None,
        sample_rate: float | None = None,
        **params,
    ) -> None:
        super().__init__(**params)
        self.activation = activation
        self.omega_0, self.hidden_omega_0 = omega_0, hidden_omega_0
        self.gaussian_scale, self.first_bias_scale = gaussian_scale, first_bias_scale
        self.fourier_scale, self.n_fourier_features = fourier_scale, n_fourier_features
        self.fourier_encoding = fourier_encoding
        self.sample_rate = sample_rate


#: The ``activation`` parameters' section of the docstrings of the estimators that take one.
ACTIVATION_PARAMS_DOC = """
    activation : str, default="sine"
        A name in :data:`sirenkit.nn.LAYERS`: ``"sine"``, ``"finer"``, ``"wire"``,
        ``"gauss"``, ``"relu"``, ``"tanh"``, ``"fourier"`` (and any registered later).
    omega_0 : float, "auto", "sample_rate" or None, default=None
        First-layer frequency of ``"sine"`` (default 60, as :class:`SirenRegressor`; the
        rules ``"auto"`` and ``"sample_rate"`` as there), ``"finer"`` (30) and ``"wire"``
        (20).
    hidden_omega_0 : float or None, default=None
        Frequency of the other layers: ``"sine"`` and ``"finer"`` 30, ``"wire"`` 20.
    gaussian_scale : float or None, default=None
        ``"wire"``: the inverse width of the wavelet's Gaussian window, ``s_0`` (10);
        ``"gauss"``: ``s`` in ``exp(-(s z)^2)`` (10).
    first_bias_scale : float or None, default=None
        ``"finer"``: the first layer's bias is drawn from ``U(-k, k)`` (20).
    fourier_scale : float or None, default=None
        ``"fourier"``: the standard deviation ``sigma`` of the Gaussian frequencies, for
        coordinates on a unit interval as in Tancik et al. (10).
    n_fourier_features : int or None, default=None
        ``"fourier"``: the number of frequencies (256), or of octaves per axis for the
        positional encoding (10).
    fourier_encoding : {"gaussian", "positional"} or None, default=None
        ``"fourier"``: random Gaussian features (the default) or NeRF's positional
        encoding.
    sample_rate : float or None, default=None
        For ``omega_0="sample_rate"``, as in :class:`SirenRegressor`.

        None, for an activation's parameter, is its default above; a parameter the
        activation does not take must stay None (``activation="gauss", omega_0=30``
        raises).
"""


def activation_docstring(template: str, own: tuple[str, ...] = ()) -> str:
    """:func:`docstring`, and ``%(activation_params)s`` filled in."""
    return docstring(template.replace("%(activation_params)s", ACTIVATION_PARAMS_DOC.strip()), own)


INRRegressor.__doc__ = activation_docstring("""An implicit neural representation, any activation.

    One estimator for the INR family: SIREN's sine (``"sine"``), FINER's variable-periodic
    sine (``"finer"``), WIRE's complex Gabor wavelet (``"wire"``), the Gaussian
    (``"gauss"``), ReLU (``"relu"``) and a ReLU MLP on Fourier features (``"fourier"``);
    each with its paper's initialisation and default parameters (see the layers in
    :mod:`sirenkit.nn`). ``GridSearchCV`` over ``activation`` and each one's frequency
    parameter compares them (the gallery's activation example; docs/benchmarks.md).
    :class:`SirenRegressor` and :class:`ReluMLPRegressor` are this estimator with
    ``activation`` fixed.

    Parameters
    ----------
    %(activation_params)s
    %(common_params)s


    Attributes
    ----------
    %(common_attributes)s
    activation_params_ : dict
        The activation's parameters used, defaults resolved.
    omega_0_ : float
        The first-layer frequency used (activations that have one).

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit import INRRegressor, grid_coords
    >>> from sirenkit.metrics import psnr
    >>> coords = grid_coords((32, 32))
    >>> pixels = 0.5 + 0.5 * np.sin(6 * coords[:, 0]) * np.cos(4 * coords[:, 1])
    >>> est = INRRegressor(activation="finer", hidden_features=64, hidden_layers=2,
    ...                    max_epochs=200, random_state=0).fit(coords, pixels)
    >>> psnr(pixels, est.predict(coords)) > 30
    True
    >>> est.activation_params_["first_bias_scale"]
    20.0
    """)


class SirenRegressor(ActivationNetworkMixin, BaseINR):
    fits_signal_itself = True
    _fixed_activation = "sine"
    _parameter_constraints = {
        "omega_0": [POSITIVE, StrOptions({"auto", "sample_rate"})],
        "hidden_omega_0": [POSITIVE],
        "sample_rate": [POSITIVE, None],
    }
    _model_parameters = ("omega_0", "hidden_omega_0", "sample_rate")

    def __init__(
        self,
        *,
        omega_0: float | str = DEFAULT_OMEGA_0,
        hidden_omega_0: float = 30.0,
        sample_rate: float | None = None,
        **params,
    ) -> None:
        super().__init__(**params)
        self.omega_0, self.hidden_omega_0 = omega_0, hidden_omega_0
        self.sample_rate = sample_rate


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


class ReluMLPRegressor(ActivationNetworkMixin, BaseINR):
    fits_signal_itself = True
    _fixed_activation = "relu"


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
