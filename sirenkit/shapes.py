"""Shapes as signed distance functions learned from oriented point clouds, and meshes out.

:class:`SignedDistanceRegressor` fits ``f(x)``, the signed distance to the surface the
points sample (negative inside), with the SIREN paper's shape loss
(:func:`sirenkit.losses.sdf_loss`); :meth:`SignedDistanceRegressor.to_mesh` extracts its
zero level set with scikit-image's marching cubes (3-D) or contour finding (2-D curves).
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import NONNEGATIVE
from ._plan import Model, SignalMap, Stage, TrainingPlan
from ._training import Derivative
from .losses import SDF_OFF_SURFACE_DECAY, SDF_WEIGHTS, SDFLoss
from .regressors import INRRegressor, activation_docstring

__all__ = [
    "SignedDistanceRegressor",
    "SurfaceAndSpace",
    "chamfer_distance",
    "check_oriented_points",
    "normal_consistency",
    "sample_surface",
]

#: Points are mapped into the unit cube with their bounding box's longest half-side at this
#: fraction of it: the level set stays inside the box that space points and meshes cover.
BOX_FILL = 0.9
#: Normals whose length differs from 1 by more than this are refused (not normalised).
UNIT_TOLERANCE = 1e-3
#: Surface points kept after a fit (a random subsample beyond this), for to_mesh.
MAX_KEPT_POINTS = 20_000


def check_oriented_points(points, normals) -> tuple[np.ndarray, np.ndarray]:
    """``points`` and unit ``normals`` of shape ``(n, 2)`` or ``(n, 3)`` as float arrays.

    Raises a ValueError that says what is wrong: shapes, non-finite values, normals that
    are not unit vectors.
    """
    points = np.asarray(points, dtype=np.float64)
    normals = np.asarray(normals, dtype=np.float64)
    for name, values in (("points", points), ("normals", normals)):
        rows = values.reshape(len(values), -1) if values.ndim else values.reshape(1, 1)
        bad = ~np.isfinite(rows).all(axis=1)
        if bad.any():
            raise ValueError(
                f"{name} has {bad.sum()} rows with NaN or infinite values (first at row "
                f"{np.flatnonzero(bad)[0]}); drop them before fitting"
            )
    if points.ndim != 2 or points.shape[1] not in (2, 3):
        raise ValueError(
            f"points must have shape (n_points, 3) (or (n_points, 2) for a curve), got "
            f"{points.shape}"
        )
    if normals.shape != points.shape:
        raise ValueError(
            f"normals must have the shape of points {points.shape} (one unit normal per "
            f"point), got {normals.shape}"
        )
    lengths = np.linalg.norm(normals, axis=1)
    off = np.abs(lengths - 1) > UNIT_TOLERANCE
    if off.any():
        raise ValueError(
            f"normals must be unit vectors: {off.sum()} of {len(normals)} have a length "
            f"outside 1 +- {UNIT_TOLERANCE:g} (from {lengths.min():.3g} to "
            f"{lengths.max():.3g}); divide them by their norms (zero normals carry no "
            "orientation and must be dropped)"
        )
    return points, normals


class SurfaceAndSpace:
    """Training operator: the batch of surface points plus fresh uniform points in the cube.

    Each call draws ``n_space`` points uniformly in ``[-1, 1]^d`` on the training device
    (from its own generator there, seeded, so a fit is reproducible; a CUDA graph replays
    the draws with new numbers, see :meth:`generators`), appends them to the surface
    points, and returns the value and exact gradient of the network at all of them: what
    :class:`SDFLoss` compares with the normals.

    Parameters
    ----------
    n_space : int or None
        Points in space per step; None: as many as the surface points of the batch.
    seed : int
    """

    def __init__(self, n_space: int | None, seed: int) -> None:
        self.n_space = n_space
        self.seed = int(seed)
        self.derivative = Derivative("gradient", training=True)
        self._generators: dict[torch.device, torch.Generator] = {}

    def _generator(self, device: torch.device) -> torch.Generator:
        if device not in self._generators:
            self._generators[device] = torch.Generator(device).manual_seed(self.seed)
        return self._generators[device]

    def generators(self) -> tuple[torch.Generator, ...]:
        """The CUDA generators the draws came from (for a CUDA graph to register)."""
        return tuple(g for device, g in self._generators.items() if device.type == "cuda")

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_generators": {}}  # restarted from the seed, not pickled

    def __call__(self, module: torch.nn.Module, surface: torch.Tensor) -> tuple:
        n_space = len(surface) if self.n_space is None else self.n_space
        generator = self._generator(surface.device)
        space = torch.rand(
            n_space, surface.shape[1], generator=generator, device=surface.device
        ).to(surface.dtype)
        coords = torch.cat([surface, 2 * space - 1])
        output, gradient = self.derivative(module, coords)
        return output, (output, gradient)


class SignedDistanceRegressor(INRRegressor):
    _parameter_constraints = {
        "surface_weight": [NONNEGATIVE],
        "normal_weight": [NONNEGATIVE],
        "eikonal_weight": [NONNEGATIVE],
        "off_surface_weight": [NONNEGATIVE],
        "off_surface_decay": [NONNEGATIVE],
        "n_space_points": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "loss": [StrOptions({"sdf"})],
    }
    # Not the SIREN paper's 30: at CPU budgets (hundreds of steps, not its 10k epochs)
    # omega_0 = 30 leaves many zero crossings far from the points and wrong signs in space;
    # 5 does not (docs/benchmarks.md, "Shapes").
    _activation_defaults = {"sine": {"omega_0": 5.0}}
    # y holds normals, not samples of the fitted function.
    _targets_are_signal = False
    fits_signal_itself = False  # normals, and points drawn in space
    #: batch_size="auto": surface points per step.
    #: At CPU budgets the number of steps matters more than their size (a box fit: 500
    #: steps of 1000 points find the surface, 200 of 4096 do not), so an epoch takes at
    #: least AUTO_STEPS steps.
    AUTO_BATCH, AUTO_STEPS, AUTO_MIN_BATCH = 1024, 8, 64

    def __init__(
        self,
        *,
        surface_weight: float = SDF_WEIGHTS["surface"],
        normal_weight: float = SDF_WEIGHTS["normal"],
        eikonal_weight: float = SDF_WEIGHTS["eikonal"],
        off_surface_weight: float = SDF_WEIGHTS["off_surface"],
        off_surface_decay: float = SDF_OFF_SURFACE_DECAY,
        n_space_points: int | None = None,
        batch_size: int | str | None = "auto",
        loss: str = "sdf",
        lr: float | str = 3e-4,
        max_epochs: int = 200,
        coord_range=None,
        **params,
    ) -> None:
        super().__init__(
            batch_size=batch_size,
            loss=loss,
            lr=lr,
            max_epochs=max_epochs,
            coord_range=coord_range,
            **params,
        )
        self.surface_weight, self.normal_weight = surface_weight, normal_weight
        self.eikonal_weight, self.off_surface_weight = eikonal_weight, off_surface_weight
        self.off_surface_decay = off_surface_decay
        self.n_space_points = n_space_points

    # -- what it fits ---------------------------------------------------------------------
    def fit(self, X, y):
        """Fit the signed distance function of the surface sampled by ``X``.

        Parameters
        ----------
        X : array-like of shape (n_points, 3) or (n_points, 2)
            Points on the surface (a 2-D curve for ``(n, 2)``), in any units.
        y : array-like of the same shape
            Their unit outward normals.

        Returns
        -------
        self
        """
        self._validate_params()
        # scikit-learn's checks first (sparse, complex, empty, a single point, y=None),
        # with their messages; non-finite rows get check_oriented_points' own.
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, ensure_all_finite=False)
        points, normals = check_oriented_points(X, y)
        batch = self._surface_batch(len(points))
        if batch is not None and batch > len(points):
            raise ValueError(
                f"batch_size={batch} surface points per step, but there are only "
                f"{len(points)} points: lower batch_size or pass None (all points per step)"
            )
        low, high = points.min(axis=0), points.max(axis=0)
        half_side = float(np.max(high - low)) / 2
        if half_side == 0:
            raise ValueError("points must span a region: all of them are the same point")
        self.center_ = (low + high) / 2
        self.scale_ = half_side / BOX_FILL
        unit = self._to_unit(points)
        super().fit(unit, normals)
        # Kept (a subsample of) to tell the surfaces the data supports in to_mesh.
        keep = check_random_state(0).permutation(len(unit))[:MAX_KEPT_POINTS]
        self.surface_points_ = unit[np.sort(keep)]
        return self

    def _to_unit(self, X: np.ndarray) -> np.ndarray:
        """Caller units to the unit cube the network sees."""
        return ((np.asarray(X, np.float64) - self.center_) / self.scale_).astype(np.float32)

    def _surface_batch(self, n_points: int) -> int | None:
        if self.batch_size == "auto":
            batch = min(self.AUTO_BATCH, n_points // self.AUTO_STEPS)
            return max(batch, min(n_points, self.AUTO_MIN_BATCH))
        return self.batch_size

    def _batch_size(self, plan: TrainingPlan) -> int | None:
        batch = self._surface_batch(len(plan.stages[0].X))
        return None if batch is None or batch >= len(plan.stages[0].X) else batch

    def _model(self, X: np.ndarray, y: np.ndarray) -> Model:
        if isinstance(self.omega_0, str):
            raise ValueError(
                f"omega_0={self.omega_0!r} is a rule for signals; a shape takes a number "
                "(5 is the default, the SIREN paper used 30)"
            )
        # The network's output in the unit cube is the distance divided by scale_.
        signal = SignalMap(scale=self.scale_, center=np.zeros(1), single_output=True)
        return self._activation_model(X, y, signal)

    def _plan(self, X: np.ndarray, y: np.ndarray, model: Model) -> TrainingPlan:
        # check_random_state: an int, None or a RandomState instance (the constraint's).
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        criterion = SDFLoss(
            self.surface_weight,
            self.normal_weight,
            self.eikonal_weight,
            self.off_surface_weight,
            self.off_surface_decay,
        )
        return TrainingPlan(
            stages=[Stage(X, y)],
            criterion=criterion,
            target_operator=SurfaceAndSpace(self.n_space_points, seed),
            scores_signal=False,
        )

    # -- predict --------------------------------------------------------------------------
    def _predict_signal(self, X: np.ndarray) -> np.ndarray:
        return super()._predict_signal(self._to_unit(X))

    def _derivative(self, X: np.ndarray, operator: Derivative) -> np.ndarray:
        # d/dx in caller units is d/du / scale_: the gradient of scale_ * f(u) is f's own.
        derived = super()._derivative(self._to_unit(X), operator)
        return derived / self.scale_ ** (1 if operator.kind == "gradient" else 2)

    def score(self, X, y=None) -> float:
        """Minus the mean absolute signed distance at surface points ``X`` (greater is
        better; 0 for a surface through every point), in the caller's units."""
        return -float(np.mean(np.abs(self.predict(X))))

    def to_mesh(
        self, resolution: int = 128, *, drop_unsupported: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """The zero level set: a triangle mesh (3-D) or a polyline (2-D curves).

        The signed distance is evaluated on a ``resolution``-per-axis grid over the cube
        the points were mapped into (their bounding box, padded by 10% of its longest
        side), ``predict_batch_size`` points at a time, so that only the grid of values is
        held; marching cubes (``skimage.measure.marching_cubes``) or contour finding
        (``skimage.measure.find_contours``) then extracts the surface.

        The loss does not forbid zero crossings far from every point, and a short fit
        leaves some (small closed pieces in the corners of the box). With
        ``drop_unsupported`` the connected pieces of the mesh that do not pass through the
        points are dropped, with a warning that says how many: a piece is kept when at
        least half of its vertices lie within two grid cells (plus the points' typical
        spacing) of a point given to ``fit``.

        Parameters
        ----------
        resolution : int, default=128
            Grid points per axis (memory: ``resolution ** 3`` float32 values).
        drop_unsupported : bool, default=True
            Drop the pieces of the level set that no data point supports (see above).

        Returns
        -------
        vertices : ndarray of shape (n_vertices, d)
            In the units of the points given to ``fit``.
        faces : ndarray of shape (n_faces, 3) (3-D) or (n_edges, 2) (2-D), int
            Vertex indices; triangles are ordered counter-clockwise seen from outside
            (their normals point outwards, where the distance grows).

        Raises
        ------
        ValueError
            When the fitted function does not change sign in the box (no surface).
        """
        check_is_fitted(self, "net_")
        if not isinstance(resolution, Integral) or resolution < 4:
            raise ValueError(f"resolution must be an integer >= 4, got {resolution!r}")
        n_dims = self.n_features_in_
        axis = np.linspace(-1, 1, resolution)
        values = self._grid_values(axis, n_dims)
        low, high = float(values.min()), float(values.max())
        if not low < 0 < high:
            raise ValueError(
                f"the fitted signed distance does not cross zero in the box (from {low:.3g} "
                f"to {high:.3g}): no surface to extract. Fit longer, or check that the "
                "normals point outwards"
            )
        from skimage import measure

        step = 2 / (resolution - 1)
        if n_dims == 3:
            vertices, faces, _, _ = measure.marching_cubes(
                values, 0.0, spacing=(step,) * 3, gradient_direction="descent"
            )
        else:
            vertices, faces = _polylines(measure.find_contours(values, 0.0), step)
        vertices -= 1  # grid index units times step: back to the unit cube
        if drop_unsupported:
            vertices, faces = self._supported(vertices, faces, 2 * step)
        vertices = vertices * self.scale_ + self.center_
        return vertices, faces.astype(np.int64)

    def _supported(self, vertices, faces, tolerance):
        """The connected pieces of the mesh ``(vertices, faces)`` (unit cube) that pass
        through the fitted points; a warning names the pieces dropped."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components
        from scipy.spatial import cKDTree

        tree = cKDTree(self.surface_points_)
        spacing = float(np.median(tree.query(self.surface_points_, k=2)[0][:, 1]))
        near = tree.query(vertices)[0] <= tolerance + spacing
        rows = np.repeat(faces, faces.shape[1], axis=1).ravel()
        columns = np.tile(faces, faces.shape[1]).ravel()
        graph = coo_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(vertices),) * 2)
        n_pieces, piece = connected_components(graph, directed=False)
        support = np.bincount(piece, weights=near, minlength=n_pieces) / np.bincount(piece)
        kept = support >= 0.5
        if kept.all():
            return vertices, faces
        if not kept.any():
            raise ValueError(
                "no piece of the fitted level set passes through the points: the fit has "
                "not learned the surface (fit longer), or pass drop_unsupported=False"
            )
        dropped = ~kept[piece[faces[:, 0]]]
        warnings.warn(
            f"to_mesh dropped {int((~kept).sum())} of {n_pieces} pieces of the level set "
            f"({int(dropped.sum())} of {len(faces)} faces) that pass through none of the "
            "points: zero crossings the data does not support (a longer fit or a lower "
            "omega_0 removes them); drop_unsupported=False keeps them",
            stacklevel=3,
        )
        used = kept[piece]
        renumber = np.cumsum(used) - 1
        return vertices[used], renumber[faces[~dropped]]

    def _grid_values(self, axis: np.ndarray, n_dims: int) -> np.ndarray:
        """The network's signed distance on the grid ``axis ** n_dims`` of the unit cube,
        in slabs along the first axis (unit-cube units: the sign is what matters)."""
        n = len(axis)
        values = np.empty((n,) * n_dims, np.float32)
        slab = max(1, self.predict_batch_size // n ** (n_dims - 1))
        for start in range(0, n, slab):
            mesh = np.meshgrid(axis[start : start + slab], *[axis] * (n_dims - 1), indexing="ij")
            coords = np.stack([m.ravel() for m in mesh], axis=1).astype(np.float32)
            output = self.net_.evaluate(coords, self.predict_batch_size)
            values[start : start + slab] = output.reshape(mesh[0].shape)
        return values


def sample_surface(
    vertices: np.ndarray, faces: np.ndarray, n_points: int, random_state=None
) -> tuple[np.ndarray, np.ndarray]:
    """An oriented point cloud sampled uniformly (by area) on a triangle mesh.

    Parameters
    ----------
    vertices : ndarray of shape (n, 3)
    faces : ndarray of shape (m, 3)
        Counter-clockwise seen from outside: the normals point outwards.
    n_points : int
    random_state : int, RandomState, Generator or None

    Returns
    -------
    points, normals : ndarray of shape (n_points, 3)
        Each normal is its triangle's unit normal.
    """
    rng = (
        random_state
        if isinstance(random_state, np.random.Generator)
        else check_random_state(random_state)
    )
    corners = np.asarray(vertices, np.float64)[np.asarray(faces)]
    cross = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    area = np.linalg.norm(cross, axis=1)
    if not area.sum() > 0:
        raise ValueError("faces must have a positive total area to sample")
    chosen = rng.choice(len(faces), size=n_points, p=area / area.sum())
    # Uniform barycentric coordinates: fold the unit square onto the triangle.
    u, v = rng.uniform(size=(2, n_points))
    fold = u + v > 1
    u[fold], v[fold] = 1 - u[fold], 1 - v[fold]
    a, b, c = corners[chosen, 0], corners[chosen, 1], corners[chosen, 2]
    points = a + u[:, None] * (b - a) + v[:, None] * (c - a)
    return points, cross[chosen] / area[chosen, None]


def chamfer_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Symmetric Chamfer distance: the mean distance from each point of ``a`` to its nearest
    point of ``b`` and from ``b`` to ``a``, averaged (in the points' units).

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.shapes import chamfer_distance
    >>> chamfer_distance(np.zeros((1, 3)), np.array([[0.0, 0, 1], [0, 0, 3]]))
    1.5
    """
    from scipy.spatial import cKDTree

    forward = cKDTree(b).query(a)[0].mean()
    backward = cKDTree(a).query(b)[0].mean()
    return float((forward + backward) / 2)


def normal_consistency(
    points: np.ndarray, normals: np.ndarray, other_points: np.ndarray, other_normals: np.ndarray
) -> float:
    """Mean ``|cos|`` between each point's normal and its nearest other point's normal
    (1: the same orientations), averaged both ways, as in the occupancy-network papers."""
    from scipy.spatial import cKDTree

    def one_way(p, n, q, m):
        nearest = cKDTree(q).query(p)[1]
        return np.abs(np.sum(n * m[nearest], axis=1)).mean()

    return float(
        (
            one_way(points, normals, other_points, other_normals)
            + one_way(other_points, other_normals, points, normals)
        )
        / 2
    )


def _polylines(contours: list[np.ndarray], step: float) -> tuple[np.ndarray, np.ndarray]:
    """Contours (index coordinates) as one vertex array and the edges joining them.

    ``find_contours`` closes a closed contour by repeating its first point at the end: the
    repeat is dropped and the last edge goes back to the first vertex, so every vertex of
    a closed curve has two edges (an open contour, cut by the grid's border, keeps its two
    ends).
    """
    vertices, edges, offset = [], [], 0
    for contour in contours:
        closed = len(contour) > 2 and np.array_equal(contour[0], contour[-1])
        if closed:
            contour = contour[:-1]
        index = np.arange(offset, offset + len(contour))
        following = np.roll(index, -1) if closed else index[1:]
        edges.append(np.stack([index[: len(following)], following], axis=1))
        vertices.append(contour * step)
        offset += len(contour)
    return np.concatenate(vertices), np.concatenate(edges)


SignedDistanceRegressor.__doc__ = activation_docstring(
    """The signed distance function of a shape, learned from an oriented point cloud.

    ``fit(points, normals)`` with points on a surface (``(n, 3)``, or ``(n, 2)`` for a
    curve) and their unit outward normals; ``predict(coords)`` is the signed distance to
    the surface (negative inside), in the points' units; :meth:`to_mesh` extracts the
    surface. The SIREN paper's shape experiment: its loss (:func:`sirenkit.losses.sdf_loss`:
    zero value and the normals as gradient on the surface, ``|grad f| = 1`` everywhere,
    values kept away from zero off the surface) with each term's weight a parameter. Each
    step takes ``batch_size`` surface points and ``n_space_points`` fresh uniform points in
    the bounding cube, with the exact (closed-form) gradient of the network. Points are
    mapped into the unit cube (centred, the longest side of their bounding box at 90% of
    it) and the transform is kept (``center_``, ``scale_``).

    The defaults are a recipe for a few hundred steps (a CPU fit of minutes), measured in
    docs/benchmarks.md: the sine network at ``omega_0=5`` (not 60 as for images, nor the
    SIREN paper's 30, which leaves spurious surfaces far from the points at this budget)
    and Adam at lr 3e-4, in steps of about an eighth of the points.

    Parameters
    ----------
    surface_weight : float, default=3000.0
        Weight of ``|f|`` on the surface points. Each term is summed over its points
        and divided by all the points of the step, as the paper's masked means are.
    normal_weight : float, default=100.0
        Weight of ``1 - cos(grad f, n)`` on the surface points.
    eikonal_weight : float, default=50.0
        Weight of ``| |grad f| - 1 |`` over all points.
    off_surface_weight : float, default=100.0
        Weight of ``exp(-off_surface_decay |f|)`` over the space points.
    off_surface_decay : float, default=100.0
    n_space_points : int or None, default=None
        Uniform points in the cube per step; None: as many as the surface points.
    batch_size : int, "auto" or None, default="auto"
        Surface points per step: ``"auto"``, an eighth of them (at least 8 steps an
        epoch) between 64 and 1024; None: all. More steps of fewer points fit a shape
        sooner than fewer, larger ones.
        More than there are points is an error.
    loss : {"sdf"}, default="sdf"
    lr : float or "auto", default=3e-4
        Three times the SIREN paper's 1e-4 (which trained for 10k epochs); 1e-3 with
        small batches gets stuck in a fit with the wrong signs (docs/benchmarks.md).
    max_epochs : int, default=200
        Passes over the surface points.
    coord_range : default=None
        Coordinates are in the caller's units: no range check.
    %(activation_params)s
    %(common_params)s

    Attributes
    ----------
    %(common_attributes)s
    center_ : ndarray of shape (n_dims,)
    scale_ : float
        ``unit = (x - center_) / scale_`` maps the caller's units to the network's cube.
    surface_points_ : ndarray of shape (n_kept, n_dims)
        The points given to ``fit`` (at most 20000 of them) in the network's cube: what
        ``to_mesh(drop_unsupported=True)`` checks the pieces of the level set against.
    activation_params_ : dict
    omega_0_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from sirenkit.shapes import SignedDistanceRegressor
    >>> angle = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    >>> circle = np.stack([np.cos(angle), np.sin(angle)], axis=1)   # normals = points
    >>> sdf = SignedDistanceRegressor(hidden_features=32, hidden_layers=2, max_epochs=100,
    ...                               random_state=0).fit(circle, circle)
    >>> inside, outside = sdf.predict([[0.8, 0.0], [1.2, 0.0]])   # near the curve
    >>> bool(inside < 0 < outside)
    True

    A short fit is right near the points first; far from them (here the centre of the
    circle) it can still be wrong: see the user guide's section on shapes.
    """,
    own=("batch_size", "loss", "lr", "max_epochs", "coord_range"),
)
