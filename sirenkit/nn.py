"""PyTorch modules: INR layers that carry their own derivative rule, and one MLP of them.

Every layer maps ``(..., in_features)`` to ``(..., out_features)`` as an affine map followed
by an activation, and knows how its value, gradient and Laplacian with respect to the
coordinates propagate through it (:meth:`Layer.propagate`), so that
:func:`sirenkit.operators.forward_derivatives` differentiates any network built of them
without knowing the layer types. :class:`MLP` stacks ``hidden_layers + 1`` layers of one
registered type (after a fixed encoding where the type has one, as ``"fourier"``) and a
linear output layer; :class:`Siren` and :class:`ReluMLP` are the two networks of the
reports.

Adding an activation is one subclass of :class:`Layer` (its ``activation`` and
``activation_derivatives``, or a whole ``propagate``; its ``estimator_params`` for
:class:`sirenkit.INRRegressor`) registered with :func:`register_layer`;
``MLP(layer="name")`` and ``INRRegressor(activation="name")`` then build it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import nn

__all__ = [
    "INIT_SCHEMES",
    "LAYERS",
    "init_linear_",
    "register_layer",
    "Layer",
    "LinearLayer",
    "SineLayer",
    "ReluLayer",
    "TanhLayer",
    "FinerLayer",
    "WireLayer",
    "FourierFeatures",
    "FourierReluLayer",
    "HashGridEncoding",
    "MLP",
    "Siren",
    "ReluMLP",
    "NetworkSpec",
]

#: SIREN's first-layer omega_0 in sirenkit: twice the paper's 30. With the default
#: mini-batches and cosine schedule, 256x256 photographs outside the tuning set reach
#: 40 dB in 44-56 epochs at 60 against 66-100+ at 30 (43.4-46.4 dB after 100 epochs
#: against 39.3-42.0), for -0.5 to 0 dB when rendered between the fitted pixels
#: (docs/benchmarks.md).
DEFAULT_OMEGA_0 = 60.0
INIT_SCHEMES = ("sitzmann", "xavier", "he", "pytorch")
#: The registered layer types by name (see :func:`register_layer`).
LAYERS: dict[str, type[Layer]] = {}

#: ``(value, jacobian, laplacian)`` of a layer's input or output: ``(n, f)``, ``(d, n, f)``
#: (one slot per coordinate axis) and ``(n, f)`` or None (not asked for).
Derivatives = tuple[torch.Tensor, torch.Tensor, "torch.Tensor | None"]


def init_linear_(
    layer: nn.Linear, scheme: str, is_first: bool = False, omega_0: float = 1.0
) -> nn.Linear:
    """Initialise ``layer.weight`` in place; biases keep PyTorch's default.

    Parameters
    ----------
    layer : nn.Linear
    scheme : {"sitzmann", "xavier", "he", "pytorch"}
        ``"sitzmann"`` (Sitzmann et al. 2020, Sec. 3.2): a first layer draws from
        ``U(-1/fan_in, 1/fan_in)``, any other from ``U(-c, c)`` with
        ``c = sqrt(6 / fan_in) / omega_0``, so that ``omega_0 * W x`` has unit-variance
        arguments for the sine that follows. With ``omega_0=1`` this is He's uniform bound.
        ``"xavier"``: ``nn.init.xavier_uniform_``. ``"he"``: ``nn.init.kaiming_uniform_`` for
        ReLU. ``"pytorch"``: ``nn.Linear``'s own, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for
        the weights and the bias (what the WIRE and Gaussian reference code keeps). The
        last three ignore ``omega_0`` and ``is_first`` (which is the point of the
        initialisation ablation: a sine layer with omega_0=30 and Xavier weights saturates).
    is_first : bool
        Whether the layer reads the coordinates.
    omega_0 : float
        The frequency factor applied after this layer (1 for a linear or ReLU layer).
    """
    fan_in = layer.in_features
    with torch.no_grad():
        if scheme == "sitzmann":
            bound = 1.0 / fan_in if is_first else math.sqrt(6.0 / fan_in) / omega_0
            layer.weight.uniform_(-bound, bound)
        elif scheme == "xavier":
            nn.init.xavier_uniform_(layer.weight)
        elif scheme == "he":
            nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")
        elif scheme == "pytorch":
            layer.reset_parameters()
        else:
            raise ValueError(f"init scheme must be one of {INIT_SCHEMES}, got {scheme!r}")
    return layer


def _first_and_hidden_omega(values: dict[str, Any]) -> tuple[dict, dict]:
    """``omega_0`` to the first layer and ``hidden_omega_0`` (as ``omega_0``) to the others;
    any other value to both."""
    shared = {k: v for k, v in values.items() if k not in ("omega_0", "hidden_omega_0")}
    return (
        {**shared, "omega_0": values["omega_0"]},
        {**shared, "omega_0": values["hidden_omega_0"]},
    )


def register_layer(name: str):
    """Class decorator: make a :class:`Layer` subclass buildable as ``MLP(layer=name)``."""

    def register(cls: type[Layer]) -> type[Layer]:
        if name in LAYERS:
            raise ValueError(f"a layer named {name!r} is already registered")
        cls.name = name
        LAYERS[name] = cls
        return cls

    return register


class Layer(nn.Module):
    """``activation(W x + b)``, and the closed-form rule for its derivatives.

    Subclasses define :meth:`activation` and :meth:`activation_derivatives` (an
    elementwise activation: the generic chain rule of :meth:`propagate` then applies), or
    override :meth:`propagate` itself. Keyword arguments of a subclass's ``__init__`` are
    its own parameters (e.g. ``omega_0``).

    Parameters
    ----------
    in_features, out_features : int
    init : str, default="auto"
        A scheme of :func:`init_linear_`; ``"auto"`` is the layer type's ``default_init``.
    is_first : bool, default=False
        Whether this layer reads the coordinates (changes the Sitzmann bound).
    """

    #: The registered name (``"sine"``, ``"relu"``; plots label layers with it).
    name: ClassVar[str] = "linear"
    #: The initialisation of the layer's paper, for ``init="auto"``.
    default_init: ClassVar[str] = "sitzmann"
    #: The estimator parameters this activation takes and their defaults (its paper's),
    #: e.g. ``{"gaussian_scale": 10.0}``; :meth:`network_params` maps them to layer
    #: arguments.
    estimator_params: ClassVar[dict[str, Any]] = {}
    #: The layer is ``activation(W x + b)`` with an elementwise :meth:`activation` of its
    #: ``linear`` (its forward is :meth:`Layer.forward`): networks of such layers stack
    #: as batched matrix products (:mod:`sirenkit.stacked`), the layer's scalar
    #: attributes (``omega_0``, ``scale``) set per network. False for layers that
    #: override ``forward`` (WIRE's complex Gabor wavelets, Fourier features).
    elementwise: ClassVar[bool] = True

    def __init__(
        self, in_features: int, out_features: int, *, init: str = "auto", is_first: bool = False
    ) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        init = self.default_init if init == "auto" else init
        init_linear_(self.linear, init, is_first, self.init_omega_0)

    @property
    def init_omega_0(self) -> float:
        """The frequency factor the Sitzmann bound divides by (1: none)."""
        return 1.0

    # -- how an MLP builds a network of this type ---------------------------------------
    @classmethod
    def network_params(cls, values: dict[str, Any]) -> tuple[dict, dict]:
        """Keyword arguments of the first layer and of the others, from the estimator
        parameters ``values`` (the keys of :attr:`estimator_params`); by default all to
        both."""
        return dict(values), dict(values)

    @classmethod
    def hidden_width(cls, hidden_features: int) -> int:
        """The width of the hidden activations for ``hidden_features`` (the same here)."""
        return hidden_features

    @classmethod
    def first_layers(cls, in_features: int, width: int, *, init: str, **params) -> list[Layer]:
        """The layers that read the coordinates: one layer of this type by default."""
        return [cls(in_features, width, init=init, is_first=True, **params)]

    def scale_weights_(self, factor: float) -> None:
        """Multiply the initial weights by ``factor`` (weight scaling, see
        :class:`NetworkSpec`)."""
        with torch.no_grad():
            self.linear.weight.mul_(factor)

    def output_layer(self, in_features: int, out_features: int, init: str) -> LinearLayer:
        """The linear output layer after this one (its Sitzmann bound uses this layer's
        frequency, as the SIREN reference initialises it)."""
        return LinearLayer(in_features, out_features, init=init, omega_0=self.init_omega_0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.linear(x))

    def activation(self, z: torch.Tensor) -> torch.Tensor:
        """The activation of the pre-activation ``z = W x + b`` (identity here)."""
        return z

    def activation_derivatives(
        self, z: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``f(z)``, ``f'(z)`` and ``f''(z)`` (None where it is zero), elementwise."""
        return z, torch.ones_like(z), None

    def affine(
        self,
        value: torch.Tensor,
        jacobian: torch.Tensor,
        laplace: torch.Tensor | None,
        scale: float = 1.0,
    ) -> Derivatives:
        """``scale * (W u + b)`` and its derivatives: ``W`` applies to each slot, ``b`` to
        the value only."""
        weight = self.linear.weight if scale == 1.0 else scale * self.linear.weight
        bias = self.linear.bias
        bias = bias if bias is None or scale == 1.0 else scale * bias
        value = torch.nn.functional.linear(value, weight, bias)
        jacobian = jacobian @ weight.T
        return value, jacobian, None if laplace is None else laplace @ weight.T

    def propagate(
        self, value: torch.Tensor, jacobian: torch.Tensor, laplace: torch.Tensor | None
    ) -> Derivatives:
        """The layer's output, gradient and Laplacian from its input's.

        For ``a = f(z)``, ``z = W u + b``: ``J_a = f'(z) J_z`` and
        ``L_a = f'(z) L_z + f''(z) |J_z|^2`` (the sum over the coordinate axes).

        Parameters
        ----------
        value : Tensor of shape (n, in_features)
        jacobian : Tensor of shape (d, n, in_features)
            The input's derivative along each of the ``d`` coordinate axes.
        laplace : Tensor of shape (n, in_features) or None
            The input's Laplacian; None skips it.

        Returns
        -------
        The same three for the output (``out_features`` wide).
        """
        z, jacobian, laplace = self.affine(value, jacobian, laplace)
        value, slope, curvature = self.activation_derivatives(z)
        if laplace is not None:
            laplace = slope * laplace
            if curvature is not None:
                laplace = laplace + curvature * jacobian.square().sum(dim=0)
        return value, slope * jacobian, laplace


class LinearLayer(Layer):
    """``W x + b``: the output layer of an :class:`MLP`.

    Parameters
    ----------
    in_features, out_features : int
    init : str, default="auto"
    omega_0 : float, default=1.0
        Only for the Sitzmann bound: the frequency factor of the sine layers before it (the
        SIREN reference initialises its output layer as a hidden layer).
    """

    def __init__(
        self, in_features: int, out_features: int, *, init: str = "auto", omega_0: float = 1.0
    ) -> None:
        self.omega_0 = float(omega_0)
        super().__init__(in_features, out_features, init=init)

    @property
    def init_omega_0(self) -> float:
        return self.omega_0

    def propagate(self, value, jacobian, laplace) -> Derivatives:
        return self.affine(value, jacobian, laplace)


@register_layer("sine")
class SineLayer(Layer):
    """``sin(omega_0 * (W x + b))``.

    Parameters
    ----------
    in_features, out_features : int
    omega_0 : float, default=30.0
        Frequency factor.
    init : {"auto", "sitzmann", "xavier", "he"}, default="auto"
        ``"auto"``: ``"sitzmann"``.
    is_first : bool, default=False
        Whether this layer reads the coordinates (changes the Sitzmann bound).
    """

    #: sirenkit's first-layer default is twice the paper's 30 (DEFAULT_OMEGA_0).
    estimator_params = {"omega_0": DEFAULT_OMEGA_0, "hidden_omega_0": 30.0}

    def __init__(
        self,
        in_features: int,
        out_features: int,
        omega_0: float = 30.0,
        *,
        init: str = "auto",
        is_first: bool = False,
    ) -> None:
        self.omega_0 = float(omega_0)
        super().__init__(in_features, out_features, init=init, is_first=is_first)

    @classmethod
    def network_params(cls, values):
        return _first_and_hidden_omega(values)

    @property
    def init_omega_0(self) -> float:
        return self.omega_0

    def activation(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.omega_0 * z)

    def activation_derivatives(self, z):
        phase = self.omega_0 * z
        sine = torch.sin(phase)
        return sine, self.omega_0 * torch.cos(phase), -(self.omega_0**2) * sine

    def propagate(self, value, jacobian, laplace) -> Derivatives:
        # omega_0 folded into W: the derivatives need cos and sin of the phase only, which
        # saves three elementwise products per layer over the generic chain rule.
        phase, jacobian, laplace = self.affine(value, jacobian, laplace, self.omega_0)
        sine, cosine = torch.sin(phase), torch.cos(phase)
        if laplace is not None:
            laplace = cosine * laplace - sine * jacobian.square().sum(dim=0)
        return sine, cosine * jacobian, laplace

    def extra_repr(self) -> str:
        return f"omega_0={self.omega_0:g}"


@register_layer("relu")
class ReluLayer(Layer):
    """``ReLU(W x + b)``: piecewise linear, so its second derivative is zero almost
    everywhere.

    Parameters
    ----------
    in_features, out_features : int
    init : {"auto", "sitzmann", "xavier", "he"}, default="auto"
        ``"auto"``: ``"he"``; ``"sitzmann"`` uses ``omega_0=1``.
    is_first : bool, default=False
    """

    default_init = "he"

    def activation(self, z: torch.Tensor) -> torch.Tensor:
        return torch.relu(z)

    def activation_derivatives(self, z):
        return torch.relu(z), (z > 0).to(z.dtype), None


@register_layer("tanh")
class TanhLayer(Layer):
    """``tanh(W x + b)``: the smooth activation of physics-informed networks (the baseline of
    the SIREN paper's Helmholtz and wave experiments).

    Parameters
    ----------
    in_features, out_features : int
    init : {"auto", "sitzmann", "xavier", "he"}, default="auto"
        ``"auto"``: ``"xavier"`` (Glorot's, for tanh).
    is_first : bool, default=False
    """

    default_init = "xavier"

    def activation(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(z)

    def activation_derivatives(self, z):
        value = torch.tanh(z)
        slope = 1 - value.square()
        return value, slope, -2 * value * slope


@register_layer("finer")
class FinerLayer(Layer):
    """``sin(omega_0 * (|z| + 1) * z)``, ``z = W x + b``: FINER's variable-periodic sine
    (Liu et al., CVPR 2024).

    The local frequency ``omega_0 * (2|z| + 1)`` grows with ``|z|``, so a first-layer bias
    drawn from a wide ``U(-k, k)`` (``first_bias_scale``) starts units on high
    frequencies. Weights: Sitzmann's bounds, as in FINER's reference code. That code
    detaches the scale ``|z| + 1`` from the parameter gradients by default; here it is
    differentiated, so that training, :meth:`propagate` and autograd see one function.

    Parameters
    ----------
    in_features, out_features : int
    omega_0 : float, default=30.0
    first_bias_scale : float or None, default=None
        ``k``: the bias is drawn from ``U(-k, k)`` (first layer only; None keeps
        PyTorch's). FINER's default is 20.
    init : {"auto", "sitzmann", "xavier", "he", "pytorch"}, default="auto"
    is_first : bool, default=False
    """

    estimator_params = {"omega_0": 30.0, "hidden_omega_0": 30.0, "first_bias_scale": 20.0}

    def __init__(
        self,
        in_features: int,
        out_features: int,
        omega_0: float = 30.0,
        first_bias_scale: float | None = None,
        *,
        init: str = "auto",
        is_first: bool = False,
    ) -> None:
        self.omega_0 = float(omega_0)
        super().__init__(in_features, out_features, init=init, is_first=is_first)
        if first_bias_scale is not None:
            with torch.no_grad():
                self.linear.bias.uniform_(-first_bias_scale, first_bias_scale)

    @classmethod
    def network_params(cls, values):
        first, hidden = _first_and_hidden_omega(values)
        hidden.pop("first_bias_scale", None)
        return first, hidden

    @property
    def init_omega_0(self) -> float:
        return self.omega_0

    def activation(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.omega_0 * (z.abs() + 1) * z)

    def activation_derivatives(self, z):
        # g(z) = (|z| + 1) z: g' = 2|z| + 1, g'' = 2 sign(z) (zero where z = 0).
        phase = self.omega_0 * (z.abs() + 1) * z
        sine, cosine = torch.sin(phase), torch.cos(phase)
        slope = 2 * z.abs() + 1
        first = self.omega_0 * cosine * slope
        second = -(self.omega_0**2) * sine * slope.square() + 2 * self.omega_0 * cosine * z.sign()
        return sine, first, second

    def extra_repr(self) -> str:
        return f"omega_0={self.omega_0:g}"


@register_layer("wire")
class WireLayer(Layer):
    """WIRE's complex Gabor wavelet ``exp(i omega_0 z - |scale z|^2)`` (Saragadam et al.,
    CVPR 2023), held in real arithmetic.

    A layer of ``m`` complex units reads and writes ``[Re u, Im u]``: a real tensor of
    ``2 m`` features. The first layer is real, ``z = W x + b`` (as in WIRE's reference); the
    others are complex, ``z = (A + iB) u + (b + ic)``, computed as the real map
    ``[Re z, Im z] = [[A, -B], [B, A]] [Re u, Im u] + [b, c]``. Then
    ``a = exp(-omega_0 Im z - scale^2 |z|^2) (cos + i sin)(omega_0 Re z)``. The network's
    output, WIRE's ``Re(W_out a + b_out)``, is a real linear map of ``[Re a, Im a]``: an
    ordinary :class:`LinearLayer`. Every quantity is a real-analytic function of the
    real coordinates, so :meth:`propagate` differentiates ``log a = -omega_0 Im z - scale^2
    |z|^2 + i omega_0 Re z`` with the real chain rule: ``J_a = a J_log``,
    ``L_a = a (sum_k J_log,k^2 + L_log)`` in complex products.

    Initialisation: PyTorch's (WIRE keeps it), ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` on
    the real and the imaginary parts with the complex fan-in.

    Parameters
    ----------
    in_features : int
        ``d`` coordinates for the first layer; ``2 m`` (``m`` complex units) otherwise.
    out_features : int
        ``2 m``: even.
    omega_0 : float, default=20.0
        Frequency of the wavelet (WIRE's ``omega_0``).
    gaussian_scale : float, default=10.0
        Inverse width of its Gaussian window (WIRE's ``s_0``).
    init : {"auto", "sitzmann", "xavier", "he", "pytorch"}, default="auto"
    is_first : bool, default=False
    """

    default_init = "pytorch"
    estimator_params = {"omega_0": 20.0, "hidden_omega_0": 20.0, "gaussian_scale": 10.0}
    elementwise = False  # a complex map of [Re u, Im u]

    def __init__(
        self,
        in_features: int,
        out_features: int,
        omega_0: float = 20.0,
        gaussian_scale: float = 10.0,
        *,
        init: str = "auto",
        is_first: bool = False,
    ) -> None:
        if out_features % 2 or (not is_first and in_features % 2):
            raise ValueError(
                "a WireLayer reads and writes [real, imaginary] halves: out_features (and "
                f"in_features after the first layer) must be even, got {in_features} -> "
                f"{out_features}"
            )
        self.omega_0, self.scale = float(omega_0), float(gaussian_scale)
        units_in = in_features if is_first else in_features // 2
        super().__init__(units_in, out_features // 2, init=init, is_first=is_first)
        init = self.default_init if init == "auto" else init
        self.linear_imag = (
            None
            if is_first
            else init_linear_(nn.Linear(units_in, out_features // 2), init, False, omega_0)
        )

    @classmethod
    def network_params(cls, values):
        return _first_and_hidden_omega(values)

    @classmethod
    def hidden_width(cls, hidden_features: int) -> int:
        # WIRE's reference: hidden_features / sqrt(2) complex units, about the parameters
        # of a real network of hidden_features.
        return 2 * max(1, int(hidden_features / math.sqrt(2)))

    @property
    def init_omega_0(self) -> float:
        return self.omega_0

    def output_layer(self, in_features: int, out_features: int, init: str) -> LinearLayer:
        layer = super().output_layer(in_features, out_features, init)
        if init == "pytorch":  # the reference's complex output layer: fan-in m, not 2m
            bound = 1.0 / math.sqrt(in_features // 2)
            with torch.no_grad():
                layer.linear.weight.uniform_(-bound, bound)
                layer.linear.bias.uniform_(-bound, bound)
        return layer

    def _real_map(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Weight and bias of ``[Re z, Im z]`` from the input (``Im z = 0`` first)."""
        weight, bias = self.linear.weight, self.linear.bias
        if self.linear_imag is None:
            return torch.cat([weight, torch.zeros_like(weight)]), torch.cat(
                [bias, torch.zeros_like(bias)]
            )
        imag_weight = self.linear_imag.weight
        weight = torch.cat(
            [torch.cat([weight, -imag_weight], 1), torch.cat([imag_weight, weight], 1)]
        )
        return weight, torch.cat([bias, self.linear_imag.bias])

    def _log_parts(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``log |a|`` and ``arg a`` of the wavelet at ``z = [Re z, Im z]``."""
        real, imag = z.chunk(2, dim=-1)
        return (
            -self.omega_0 * imag - self.scale**2 * (real.square() + imag.square()),
            self.omega_0 * real,
        )

    @staticmethod
    def _polar(log_modulus: torch.Tensor, phase: torch.Tensor) -> tuple[torch.Tensor, ...]:
        modulus = torch.exp(log_modulus)
        return modulus * torch.cos(phase), modulus * torch.sin(phase)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight, bias = self._real_map()
        z = torch.nn.functional.linear(x, weight, bias)
        return torch.cat(self._polar(*self._log_parts(z)), dim=-1)

    def propagate(self, value, jacobian, laplace) -> Derivatives:
        weight, bias = self._real_map()
        z = torch.nn.functional.linear(value, weight, bias)
        jacobian = jacobian @ weight.T
        real, imag = z.chunk(2, dim=-1)
        jac_real, jac_imag = jacobian.chunk(2, dim=-1)
        log_modulus, phase = self._log_parts(z)
        re_a, im_a = self._polar(log_modulus, phase)
        s2 = self.scale**2
        # The real and imaginary parts of J_log (log |a| and arg a), along each axis.
        jac_mod = -self.omega_0 * jac_imag - 2 * s2 * (real * jac_real + imag * jac_imag)
        jac_arg = self.omega_0 * jac_real
        jac_a = torch.cat([re_a * jac_mod - im_a * jac_arg, im_a * jac_mod + re_a * jac_arg], -1)
        if laplace is None:
            return torch.cat([re_a, im_a], -1), jac_a, None
        lap_real, lap_imag = (laplace @ weight.T).chunk(2, dim=-1)
        jac_norm = (jac_real.square() + jac_imag.square()).sum(dim=0)
        lap_mod = -self.omega_0 * lap_imag - 2 * s2 * (real * lap_real + imag * lap_imag + jac_norm)
        # sum_k J_log,k^2 + L_log, a complex number per unit.
        curv_re = (jac_mod.square() - jac_arg.square()).sum(dim=0) + lap_mod
        curv_im = 2 * (jac_mod * jac_arg).sum(dim=0) + self.omega_0 * lap_real
        lap_a = torch.cat([re_a * curv_re - im_a * curv_im, im_a * curv_re + re_a * curv_im], -1)
        return torch.cat([re_a, im_a], -1), jac_a, lap_a

    def extra_repr(self) -> str:
        return f"omega_0={self.omega_0:g}, scale={self.scale:g}"


@register_layer("gauss")
class GaussLayer(Layer):
    """``exp(-(s z)^2)``, ``z = W x + b``: the Gaussian activation (Ramasinghe and Lucey,
    ECCV 2022), with PyTorch's initialisation as its reference code keeps.

    Parameters
    ----------
    in_features, out_features : int
    gaussian_scale : float, default=10.0
        ``s``, the inverse width.
    init : {"auto", "sitzmann", "xavier", "he", "pytorch"}, default="auto"
    is_first : bool, default=False
    """

    default_init = "pytorch"
    estimator_params = {"gaussian_scale": 10.0}

    def __init__(
        self,
        in_features: int,
        out_features: int,
        gaussian_scale: float = 10.0,
        *,
        init: str = "auto",
        is_first: bool = False,
    ) -> None:
        self.scale = float(gaussian_scale)
        super().__init__(in_features, out_features, init=init, is_first=is_first)

    def activation(self, z):
        return torch.exp(-(self.scale * z).square())

    def activation_derivatives(self, z):
        s2 = self.scale**2
        value = torch.exp(-s2 * z.square())
        return value, -2 * s2 * z * value, (4 * s2**2 * z.square() - 2 * s2) * value


FOURIER_ENCODINGS = ("gaussian", "positional")


class FourierFeatures(Layer):
    """``[cos(2 pi B v), sin(2 pi B v)]``: a fixed (untrained) encoding of the coordinates.

    ``"gaussian"`` (Tancik et al., NeurIPS 2020): ``B`` of ``n_features`` rows drawn from
    ``N(0, scale^2)``, on coordinates ``v`` in a unit interval as in that paper; sirenkit's
    ``x`` in ``[-1, 1]`` enter as ``v = (x + 1) / 2``, so ``2 pi B v = pi B x + pi B 1`` (a
    bias), and ``scale`` means what the paper's ``sigma`` means. ``"positional"`` (NeRF,
    Mildenhall et al. 2020): ``sin(2^k pi x)`` and ``cos(2^k pi x)`` for ``k < n_features``
    octaves on each axis of ``x`` in ``[-1, 1]`` (NeRF's own normalisation; ``scale`` is
    not used).

    Parameters
    ----------
    in_features : int
    n_features : int or None, default=None
        Frequencies: rows of ``B`` (None: 256, the paper's), or octaves per axis for
        ``"positional"`` (None: 10, NeRF's for positions). ``out_features`` is twice the
        number of frequencies.
    scale : float, default=10.0
    encoding : {"gaussian", "positional"}, default="gaussian"
    """

    name = "fourier features"
    elementwise = False  # a fixed encoding, not W x + b

    def __init__(
        self,
        in_features: int,
        n_features: int | None = None,
        *,
        scale: float = 10.0,
        encoding: str = "gaussian",
    ) -> None:
        if encoding == "gaussian":
            n_features = 256 if n_features is None else n_features
            frequencies = scale * torch.randn(n_features, in_features)
            weight, bias = math.pi * frequencies, math.pi * frequencies.sum(dim=1)
        elif encoding == "positional":
            octaves = math.pi * 2.0 ** torch.arange(10 if n_features is None else n_features)
            weight = torch.kron(torch.eye(in_features), octaves[:, None])
            bias = torch.zeros(len(weight))
        else:
            raise ValueError(f"encoding must be one of {FOURIER_ENCODINGS}, got {encoding!r}")
        self.encoding, self.scale = encoding, float(scale)
        super().__init__(in_features, len(weight), init="pytorch")
        with torch.no_grad():
            self.linear.weight.copy_(weight)
            self.linear.bias.copy_(bias)
        self.linear.requires_grad_(False)

    @property
    def out_features(self) -> int:
        return 2 * self.linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)
        return torch.cat([torch.cos(z), torch.sin(z)], dim=-1)

    def propagate(self, value, jacobian, laplace) -> Derivatives:
        z, jacobian, laplace = self.affine(value, jacobian, laplace)
        cosine, sine = torch.cos(z), torch.sin(z)
        value = torch.cat([cosine, sine], dim=-1)
        if laplace is not None:
            squared = jacobian.square().sum(dim=0)
            laplace = torch.cat(
                [-sine * laplace - cosine * squared, cosine * laplace - sine * squared], -1
            )
        return value, torch.cat([-sine * jacobian, cosine * jacobian], -1), laplace

    def scale_weights_(self, factor: float) -> None:
        """Nothing: the encoding's frequencies are fixed, not trained weights."""

    def extra_repr(self) -> str:
        return f"encoding={self.encoding!r}, scale={self.scale:g}"


#: Primes of the spatial hash, one per axis (Teschner et al. 2003, as instant-ngp uses).
HASH_PRIMES = (1, 2654435761, 805459861)


def smoothstep(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``s(t) = 3t^2 - 2t^3`` and its first and second derivatives, elementwise."""
    return t * t * (3 - 2 * t), 6 * t * (1 - t), 6 - 12 * t


class HashGridEncoding(Layer):
    """A trained multiresolution hash-grid encoding (instant-ngp, Müller et al. 2022) with
    smoothstep interpolation, so that its gradient and Laplacian are exact and nonzero.

    ``levels`` grids of ``resolution_l`` cells per axis, from ``coarsest`` to ``finest``
    in a geometric series, each with ``features`` trained values per vertex; a point's
    encoding is, per level, the interpolation of the ``2^d`` vertices of its cell,
    concatenated over the levels (``levels * features`` outputs). A level with at most
    ``table_size`` vertices stores each vertex (dense); a finer one hashes the vertices
    into ``table_size`` rows (collisions are resolved by training, as in instant-ngp).

    The interpolation weight along an axis is ``s(t)``, ``s(t) = 3t^2 - 2t^3``, for the
    position ``t`` in the cell, not ``t`` itself: instant-ngp's linear weights have zero
    second derivative, which breaks Laplacians (Poisson, eikonal and PDE losses). With
    ``s`` the encoding is C1 with piecewise-smooth second derivatives; its gradient is
    zero on the grid planes of each level (``s'(0) = s'(1) = 0``), which the other levels
    fill in. Coordinates are mapped from ``domain`` to each grid; outside it the encoding
    holds its boundary value (zero derivatives).

    Memory: ``sum_l min((resolution_l + 1)^d, table_size) * features`` parameters (with
    Adam's two moments, three times that); for an image (d=2) the default 8 levels up to
    256 cells are dense, 0.49 M parameters (the estimators' 12 levels of 8 features: 1.3
    M); in 3-D the levels of 64 cells per axis and finer hash into ``table_size`` rows.

    Parameters
    ----------
    in_features : int
        Coordinate dimension ``d`` (at most 3).
    levels : int, default=8
    features : int, default=4
        Trained values per vertex and level.
    table_size : int, default=2**18
        Rows of a hashed level's table (a power of two).
    finest : int, default=256
        Cells per axis of the finest level.
    coarsest : int, default=16
        Cells per axis of the coarsest level (instant-ngp's default).
    domain : (float, float), default=(-1.0, 1.0)
        The coordinate interval the grids span, on every axis.

    Examples
    --------
    >>> import torch
    >>> from sirenkit.nn import HashGridEncoding
    >>> encoding = HashGridEncoding(2, levels=4, features=2, finest=64)
    >>> encoding(torch.zeros(5, 2)).shape, encoding.out_features
    (torch.Size([5, 8]), 8)
    """

    name = "hashgrid"
    elementwise = False  # a lookup, not W x + b

    def __init__(
        self,
        in_features: int,
        *,
        levels: int = 8,
        features: int = 4,
        table_size: int = 2**18,
        finest: int = 256,
        coarsest: int = 16,
        domain: tuple[float, float] = (-1.0, 1.0),
    ) -> None:
        nn.Module.__init__(self)  # no W x + b: Layer's own __init__ builds one
        if not 1 <= in_features <= len(HASH_PRIMES):
            raise ValueError(f"in_features must be 1 to {len(HASH_PRIMES)}, got {in_features}")
        if table_size < 2 or table_size & (table_size - 1):
            raise ValueError(f"table_size must be a power of two, got {table_size}")
        if not 1 <= coarsest <= finest:
            raise ValueError(f"finest must be at least coarsest={coarsest}, got {finest}")
        low, high = (float(v) for v in domain)
        if not high > low:
            raise ValueError(f"domain must be an interval (low, high), got {domain}")
        self.in_features, self.levels, self.features = in_features, levels, features
        self.table_size, self.finest, self.coarsest = table_size, finest, coarsest
        self.domain = (low, high)
        growth = (finest / coarsest) ** (1 / max(levels - 1, 1))
        cells = [int(round(coarsest * growth**level)) for level in range(levels)]
        rows = [min((n + 1) ** in_features, table_size) for n in cells]
        offsets = [sum(rows[:level]) for level in range(levels)]
        self.register_buffer("cells", torch.tensor(cells), persistent=False)
        self.register_buffer("offsets", torch.tensor(offsets), persistent=False)
        self.register_buffer(
            "dense",
            torch.tensor([(n + 1) ** in_features <= table_size for n in cells]),
            persistent=False,
        )
        # Vertex strides of a dense level, axis by axis: (levels, d).
        self.register_buffer(
            "strides",
            torch.tensor([[(n + 1) ** a for a in range(in_features)] for n in cells]),
            persistent=False,
        )
        self.register_buffer("primes", torch.tensor(HASH_PRIMES[:in_features]), persistent=False)
        corners = torch.cartesian_prod(*[torch.tensor([0, 1])] * in_features)
        self.register_buffer("corners", corners.reshape(-1, in_features), persistent=False)
        # instant-ngp's initialisation: small, so the network starts near its output bias.
        self.table = nn.Parameter(torch.empty(sum(rows), features).uniform_(-1e-4, 1e-4))

    @property
    def out_features(self) -> int:
        return self.levels * self.features

    def _cells(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Each point's table rows ``(n, levels, 2^d)``, position in its cell ``(n, levels,
        d)`` and ``d(position)/dx`` ``(levels,)`` (0 outside the domain, per point)."""
        low, high = self.domain
        unit = (x - low) / (high - low)
        inside = (unit >= 0) & (unit <= 1)
        scaled = unit.clamp(0, 1)[:, None, :] * self.cells[:, None].to(x.dtype)
        cell = scaled.floor().clamp(max=self.cells[:, None] - 1)
        position = scaled - cell
        vertex = cell.long()[:, :, None, :] + self.corners  # (n, levels, 2^d, d)
        dense_row = (vertex * self.strides[:, None, :]).sum(-1)
        hashed = vertex * self.primes
        hash_row = hashed[..., 0]
        for axis in range(1, self.in_features):
            hash_row = hash_row ^ hashed[..., axis]
        hash_row = hash_row & (self.table_size - 1)
        rows = torch.where(self.dense[:, None], dense_row, hash_row) + self.offsets[:, None]
        slope = self.cells.to(x.dtype) / (high - low)
        return rows, position, inside[:, None, :] * slope[:, None]

    def _vertices(self, rows: torch.Tensor) -> torch.Tensor:
        """The trained values at ``rows``: ``(n, levels, 2^d, features)``."""
        return nn.functional.embedding(rows, self.table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows, position, _ = self._cells(x)
        weight = smoothstep(position)[0].unsqueeze(-2)  # (n, levels, 1, d)
        weights = torch.where(self.corners.bool(), weight, 1 - weight).prod(-1)
        encoded = (weights[..., None] * self._vertices(rows)).sum(-2)
        return encoded.flatten(1)

    def propagate(self, value, jacobian, laplace) -> Derivatives:
        """The encoding and its exact derivatives by the product rule over the axes of the
        interpolation weights, then the chain rule through the input's (the identity for
        coordinates)."""
        rows, position, slope = self._cells(value)
        s, ds, d2s = (part.unsqueeze(-2) for part in smoothstep(position))
        bit = self.corners.bool()
        factor = torch.where(bit, s, 1 - s)  # (n, levels, 2^d, d)
        first = torch.where(bit, ds, -ds) * slope.unsqueeze(-2)
        second = torch.where(bit, d2s, -d2s) * slope.unsqueeze(-2).square()
        vertices = self._vertices(rows)

        def interpolate(replaced: dict[int, torch.Tensor]) -> torch.Tensor:
            parts = [replaced.get(a, factor[..., a]) for a in range(self.in_features)]
            weights = torch.stack(parts, -1).prod(-1)
            return (weights[..., None] * vertices).sum(-2).flatten(1)

        axes = range(self.in_features)
        encoded = interpolate({})
        gradients = [interpolate({a: first[..., a]}) for a in axes]
        out_jacobian = sum(jacobian[..., a, None] * gradients[a] for a in axes)
        if laplace is None:
            return encoded, out_jacobian, None
        out_laplace = sum(laplace[:, a, None] * gradients[a] for a in axes)
        for a in axes:
            for b in axes:
                hessian = interpolate(
                    {a: second[..., a]} if a == b else {a: first[..., a], b: first[..., b]}
                )
                metric = (jacobian[..., a] * jacobian[..., b]).sum(0)
                out_laplace = out_laplace + metric[:, None] * hessian
        return encoded, out_jacobian, out_laplace

    def scale_weights_(self, factor: float) -> None:
        """Nothing: the tables are values looked up, not weights of a product."""

    def extra_repr(self) -> str:
        return (
            f"levels={self.levels}, features={self.features}, cells={self.coarsest}"
            f"..{self.finest}, table_size={self.table_size}"
        )


@register_layer("fourier")
class FourierReluLayer(ReluLayer):
    """A ReLU MLP on Fourier features (Tancik et al., NeurIPS 2020).

    The layers that read the coordinates are a :class:`FourierFeatures` encoding and a ReLU
    layer on it; the others are ReLU layers. Initialisation: Glorot's (the reference's
    dense layers use its normal variant, of the same variance; uniform here).

    Parameters
    ----------
    As :class:`ReluLayer`.
    """

    default_init = "xavier"
    estimator_params = {
        "fourier_scale": 10.0,
        "n_fourier_features": None,
        "fourier_encoding": "gaussian",
    }

    @classmethod
    def network_params(cls, values):
        return dict(values), {}

    @classmethod
    def first_layers(
        cls,
        in_features: int,
        width: int,
        *,
        init: str,
        fourier_scale: float = 10.0,
        n_fourier_features: int | None = None,
        fourier_encoding: str = "gaussian",
    ) -> list[Layer]:
        encoding = FourierFeatures(
            in_features, n_fourier_features, scale=fourier_scale, encoding=fourier_encoding
        )
        return [encoding, cls(encoding.out_features, width, init=init, is_first=True)]


class MLP(nn.Module):
    """``hidden_layers + 1`` layers of one registered type and a linear output layer.

    The type's :meth:`Layer.first_layers` read the coordinates (a fixed encoding before
    the first layer for ``"fourier"``), its :meth:`Layer.hidden_width` sets the width and
    the last layer's :meth:`Layer.output_layer` builds the output.

    Parameters
    ----------
    in_features : int
        Coordinate dimension (1 audio, 2 image, 3 volume).
    out_features : int
        Signal channels.
    hidden_features : int, default=256
        Width of every hidden layer.
    hidden_layers : int, default=3
        Layers after the first one.
    layer : str or None, default=None
        A name in :data:`LAYERS`; None: the class's ``default_layer`` (``"sine"``).
    first_layer_init, hidden_init : str, default="auto"
        Initialisation of the first layer, and of the other layers and the output layer
        (``"auto"``: the layer type's own).
    first_params, hidden_params : dict or None
        Keyword arguments of the first layer and of the others (e.g. ``omega_0``).
    encoding : dict or None, default=None
        Keyword arguments of a :class:`HashGridEncoding` that reads the coordinates before
        the first layer (which then reads its ``levels * features`` outputs); None: no
        encoding.

    Attributes
    ----------
    hidden : nn.ModuleList of Layer
        The activation layers, first to last.
    output : LinearLayer

    Examples
    --------
    >>> import torch
    >>> from sirenkit.nn import MLP
    >>> net = MLP(2, 3, hidden_features=16, hidden_layers=1, layer="relu")
    >>> net(torch.zeros(5, 2)).shape, [layer.name for layer in net.hidden]
    (torch.Size([5, 3]), ['relu', 'relu'])
    """

    #: The layer type when ``layer`` is None.
    default_layer: ClassVar[str] = "sine"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        hidden_features: int = 256,
        hidden_layers: int = 3,
        *,
        layer: str | None = None,
        first_layer_init: str = "auto",
        hidden_init: str = "auto",
        first_params: dict | None = None,
        hidden_params: dict | None = None,
        encoding: dict | None = None,
    ) -> None:
        super().__init__()
        layer = self.default_layer if layer is None else layer
        if layer not in LAYERS:
            raise ValueError(f"layer must be one of {tuple(LAYERS)}, got {layer!r}")
        cls = LAYERS[layer]
        hidden_init = cls.default_init if hidden_init == "auto" else hidden_init
        width = cls.hidden_width(hidden_features)
        encoder = [] if encoding is None else [HashGridEncoding(in_features, **encoding)]
        reads = encoder[0].out_features if encoder else in_features
        first = [
            *encoder,
            *cls.first_layers(reads, width, init=first_layer_init, **(first_params or {})),
        ]
        others = [
            cls(width, width, init=hidden_init, **(hidden_params or {}))
            for _ in range(hidden_layers)
        ]
        self.hidden = nn.ModuleList([*first, *others])
        # Linear: the signal's range is not limited to an activation's, and a final sine
        # would fold large values back.
        self.output = self.hidden[-1].output_layer(width, out_features, hidden_init)

    @property
    def layers(self) -> list[Layer]:
        """Every layer in order, the output layer last."""
        return [*self.hidden, self.output]

    def forward(self, coords: torch.Tensor) -> torch.Tensor:
        x = coords
        for layer in self.hidden:
            x = layer(x)
        return self.output(x)


class Siren(MLP):
    """SIREN: ``1 + hidden_layers`` sine layers and a linear output layer.

    An :class:`MLP` of :class:`SineLayer`: it takes the MLP's parameters (the reference
    SIREN has 3 hidden layers; ``"auto"`` initialisation is Sitzmann's) and these, keyword
    only:

    Parameters
    ----------
    omega_0 : float, default=30.0
        Frequency factor of the first layer.
    hidden_omega_0 : float, default=30.0
        Frequency factor of the other sine layers.

    Examples
    --------
    >>> import torch
    >>> from sirenkit.nn import Siren
    >>> Siren(2, 3, hidden_features=16, hidden_layers=1)(torch.zeros(5, 2)).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        *args,
        omega_0: float = 30.0,
        hidden_omega_0: float = 30.0,
        **kwargs,
    ) -> None:
        super().__init__(
            *args,
            layer="sine",
            first_params={"omega_0": omega_0},
            hidden_params={"omega_0": hidden_omega_0},
            **kwargs,
        )


class ReluMLP(MLP):
    """The baseline: the same MLP as :class:`Siren` with ``ReLU(W x + b)`` layers.

    A genuine ReLU MLP: no frequency factor (some reference code computes ``ReLU(30 x)``,
    which is only a rescaled ReLU network with a different effective learning rate).
    Its output is piecewise linear, so its Laplacian is zero almost everywhere.

    Parameters
    ----------
    in_features, out_features, hidden_features, hidden_layers : int
        As in :class:`MLP`.
    first_layer_init, hidden_init : {"auto", "sitzmann", "xavier", "he"}, default="auto"
        ``"auto"``: ``"he"``; ``"sitzmann"`` uses ``omega_0=1``.
    """

    default_layer = "relu"


@dataclass(frozen=True)
class NetworkSpec:
    """What an estimator builds: an :class:`MLP` and its parameters, resolved.

    Equal specs build equal networks from the same seed; ``shape`` is what networks must
    share to be trained side by side.

    Examples
    --------
    >>> from sirenkit.nn import NetworkSpec
    >>> spec = NetworkSpec("sine", 2, 3, 16, 1, first_params={"omega_0": 10.0})
    >>> spec.build(seed=0).hidden[0].omega_0
    10.0
    """

    layer: str
    in_features: int
    out_features: int
    hidden_features: int
    hidden_layers: int
    first_layer_init: str = "auto"
    hidden_init: str = "auto"
    first_params: dict[str, Any] = field(default_factory=dict)
    hidden_params: dict[str, Any] = field(default_factory=dict)
    #: Start with a zero output layer (a residual fit starts from its base signal).
    zero_output: bool = False
    #: The :class:`HashGridEncoding`'s keyword arguments, or None (no encoding).
    encoding: dict[str, Any] | None = None
    #: Weight scaling (Yeom et al., ICLR 2025): the initial weights of every layer but
    #: the output layer times this factor (1: none).
    weight_scale: float = 1.0

    @property
    def shape(self) -> tuple:
        return (
            self.layer,
            self.in_features,
            self.out_features,
            self.hidden_features,
            self.hidden_layers,
            None if self.encoding is None else tuple(sorted(self.encoding.items())),
        )

    def build(self, seed: int | None = None) -> MLP:
        """The network, initialised from ``seed`` without touching the global torch RNG."""
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            module = MLP(
                self.in_features,
                self.out_features,
                self.hidden_features,
                self.hidden_layers,
                layer=self.layer,
                first_layer_init=self.first_layer_init,
                hidden_init=self.hidden_init,
                first_params=self.first_params,
                hidden_params=self.hidden_params,
                encoding=self.encoding,
            )
        if self.weight_scale != 1.0:
            for layer in module.hidden:
                layer.scale_weights_(self.weight_scale)
        if self.zero_output:
            nn.init.zeros_(module.output.linear.weight)
            nn.init.zeros_(module.output.linear.bias)
        return module


def derivative_layers(module: nn.Module) -> Sequence[Layer] | None:
    """The layers of ``module`` in order if every one carries a derivative rule, else None.

    An :class:`MLP` (or a compiled one), a single :class:`Layer`, or an ``nn.Sequential`` of
    them.
    """
    layers = getattr(module, "layers", None)
    if layers is None:
        layers = list(module) if isinstance(module, nn.Sequential) else [module]
    return layers if all(isinstance(layer, Layer) for layer in layers) else None
