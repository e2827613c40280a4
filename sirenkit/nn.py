"""PyTorch modules: INR layers that carry their own derivative rule, and one MLP of them.

Every layer maps ``(..., in_features)`` to ``(..., out_features)`` as an affine map followed
by an activation, and knows how its value, gradient and Laplacian with respect to the
coordinates propagate through it (:meth:`Layer.propagate`), so that
:func:`sirenkit.operators.forward_derivatives` differentiates any network built of them
without knowing the layer types. :class:`MLP` stacks ``hidden_layers + 1`` layers of one
registered type and a linear output layer; :class:`Siren` and :class:`ReluMLP` are the two
networks of the reports.

Adding an activation is one subclass of :class:`Layer` (its ``activation`` and
``activation_derivatives``, or a whole ``propagate``) registered with
:func:`register_layer`; ``MLP(layer="name")`` then builds it.
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
    "MLP",
    "Siren",
    "ReluMLP",
    "NetworkSpec",
]

INIT_SCHEMES = ("sitzmann", "xavier", "he")
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
    scheme : {"sitzmann", "xavier", "he"}
        ``"sitzmann"`` (Sitzmann et al. 2020, Sec. 3.2): a first layer draws from
        ``U(-1/fan_in, 1/fan_in)``, any other from ``U(-c, c)`` with
        ``c = sqrt(6 / fan_in) / omega_0``, so that ``omega_0 * W x`` has unit-variance
        arguments for the sine that follows. With ``omega_0=1`` this is He's uniform bound.
        ``"xavier"``: ``nn.init.xavier_uniform_``. ``"he"``: ``nn.init.kaiming_uniform_`` for
        ReLU. The last two ignore ``omega_0`` and ``is_first`` (which is the point of the
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
        else:
            raise ValueError(f"init scheme must be one of {INIT_SCHEMES}, got {scheme!r}")
    return layer


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

    @property
    def init_omega_0(self) -> float:
        return self.omega_0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.omega_0 * self.linear(x))

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


class MLP(nn.Module):
    """``hidden_layers + 1`` layers of one registered type and a linear output layer.

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
    ) -> None:
        super().__init__()
        layer = self.default_layer if layer is None else layer
        if layer not in LAYERS:
            raise ValueError(f"layer must be one of {tuple(LAYERS)}, got {layer!r}")
        cls = LAYERS[layer]
        hidden_init = cls.default_init if hidden_init == "auto" else hidden_init
        first = cls(
            in_features,
            hidden_features,
            init=first_layer_init,
            is_first=True,
            **(first_params or {}),
        )
        others = [
            cls(hidden_features, hidden_features, init=hidden_init, **(hidden_params or {}))
            for _ in range(hidden_layers)
        ]
        self.hidden = nn.ModuleList([first, *others])
        # Linear: the signal's range is not limited to an activation's, and a final sine
        # would fold large values back.
        self.output = LinearLayer(
            hidden_features, out_features, init=hidden_init, omega_0=self.hidden[-1].init_omega_0
        )

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

    @property
    def shape(self) -> tuple:
        return (
            self.layer,
            self.in_features,
            self.out_features,
            self.hidden_features,
            self.hidden_layers,
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
            )
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
