r"""Data sets for the checks: exact ``(X, Y)`` arrays and the strategies that draw them.

A :class:`Dataset` holds ``X`` (``n x d``) and ``Y`` (``n x c``) as numpy
object arrays of :class:`mpmath.mpf`.  :func:`make_dataset` builds one
deterministically from a seed; :func:`whitened_data`, :func:`gaussian_data`
and :func:`rank_deficient_data` are hypothesis strategies that draw the seed
(shrinking towards 0).

>>> make_dataset("gaussian", n=3, d=2, seed=0)
gaussian(n=3, d=2, c=1, seed=0)
"""

from __future__ import annotations

import dataclasses

import mpmath
import numpy as np
from hypothesis import strategies as st

from symrich.testing.values import DATA_DPS, from_mp_matrix, mp_array, positive_int, to_mp_matrix

__all__ = ["Dataset", "gaussian_data", "make_dataset", "rank_deficient_data", "whitened_data"]


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A data set ``(X, Y)`` held exactly, as numpy object arrays of ``mpmath.mpf``.

    Attributes
    ----------
    X : numpy.ndarray, shape (n, d), dtype object
    Y : numpy.ndarray, shape (n, c), dtype object
    kind : str
        ``"whitened"``, ``"gaussian"`` or ``"rank-deficient"`` (``"given"`` for
        :func:`make_dataset` on user arrays).
    seed : int or None
        The seed it was drawn from.
    rank : int or None
        Rank of ``X`` for rank-deficient data.

    Examples
    --------
    >>> data = make_dataset("whitened", n=3, d=2, seed=0)
    >>> data.n, data.d, data.c, data.beta_star().shape
    (3, 2, 1, (2,))
    """

    X: np.ndarray
    Y: np.ndarray
    kind: str = "given"
    seed: int | None = None
    rank: int | None = None

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def c(self) -> int:
        return self.Y.shape[1]

    @property
    def y(self) -> np.ndarray:
        """Targets as a vector, shape (n,) (only for ``c = 1``)."""
        if self.c != 1:
            raise ValueError(f"y is defined for one output only; this data set has c = {self.c}")
        return self.Y[:, 0]

    def XtX(self) -> np.ndarray:
        """:math:`X^\\top X` at the current mpmath precision, shape (d, d)."""
        return self.X.T @ self.X

    def beta_star(self) -> np.ndarray:
        """:math:`X^\\top Y` at the current precision: shape (d,) if ``c = 1``, else (d, c).

        For whitened data this is the least-squares solution.
        """
        b = self.X.T @ self.Y
        return b[:, 0] if self.c == 1 else b

    def as_float(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, Y)`` rounded to float64."""
        return self.X.astype(float), self.Y.astype(float)

    def __repr__(self) -> str:
        extra = f", rank={self.rank}" if self.rank is not None else ""
        seed = f", seed={self.seed}" if self.seed is not None else ""
        return f"{self.kind}(n={self.n}, d={self.d}, c={self.c}{extra}{seed})"


def _dyadic(rng: np.random.Generator, shape: tuple, denominator: int = 16) -> np.ndarray:
    """Gaussian numbers rounded to multiples of 1/denominator (exact in float64)."""
    return np.round(rng.standard_normal(shape) * denominator) / denominator


def make_dataset(kind: str, n: int, d: int, seed: int, *, c: int = 1, rank: int | None = None) -> Dataset:
    r"""Build one data set deterministically from a seed (what the data strategies draw).

    Parameters
    ----------
    kind : {"whitened", "gaussian", "rank-deficient"}
        * ``"whitened"``: ``G`` with i.i.d. N(0, 1) entries (``n x d``), ``X``
          the ``Q`` factor of its QR decomposition computed at 50 digits, so
          :math:`X^\top X = I_d` to 50 digits; ``Y`` i.i.d. N(0, 1) (so it has
          a component outside the column space of ``X`` when ``n > d``).
        * ``"gaussian"``: ``X`` and ``Y`` i.i.d. N(0, 1) (float64 values, used exactly).
        * ``"rank-deficient"``: ``X = U V^T`` with ``U`` (``n x rank``) and
          ``V`` (``d x rank``) i.i.d. N(0, 1) rounded to multiples of 1/16, so
          ``X`` is exactly of rank ``rank``; ``Y = X B`` with ``B`` of the same
          kind, so an interpolant exists.
    n, d : int
        Samples and input dimension.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    c : int
        Outputs.
    rank : int, optional
        Rank of ``X`` (``"rank-deficient"`` only): ``1 <= rank < d`` and ``rank <= n``.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown kind, ``n < d`` for whitened data, or an invalid rank.

    Examples
    --------
    >>> import mpmath
    >>> data = make_dataset("whitened", n=4, d=2, seed=1)
    >>> with mpmath.workdps(40):
    ...     gram = data.XtX()
    >>> float(abs(gram[0, 1])) < 1e-45 and float(abs(gram[0, 0] - 1)) < 1e-45
    True
    >>> make_dataset("rank-deficient", n=3, d=3, seed=0, rank=1).rank
    1
    """
    n, d, c = positive_int(n, "n"), positive_int(d, "d"), positive_int(c, "c")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    with mpmath.workdps(DATA_DPS):
        if kind == "whitened":
            if n < d:
                raise ValueError(f"whitened data need n >= d, got n = {n}, d = {d}")
            G = rng.standard_normal((n, d))
            Q, _ = mpmath.qr(to_mp_matrix(mp_array(G)), mode="skinny")
            X = from_mp_matrix(Q)
            Y = mp_array(rng.standard_normal((n, c)))
            rank = None
        elif kind == "gaussian":
            X = mp_array(rng.standard_normal((n, d)))
            Y = mp_array(rng.standard_normal((n, c)))
            rank = None
        elif kind == "rank-deficient":
            if rank is None or isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) \
                    or not 1 <= rank < d or rank > n:
                raise ValueError(f"rank must be an integer with 1 <= rank < d = {d} and rank <= n = {n}, got {rank!r}")
            rank = int(rank)
            U, V, B = _dyadic(rng, (n, rank)), _dyadic(rng, (d, rank)), _dyadic(rng, (d, c))
            X = mp_array(U) @ mp_array(V).T      # exact: dyadic entries at 50 digits
            Y = X @ mp_array(B)
        else:
            raise ValueError(f"kind must be 'whitened', 'gaussian' or 'rank-deficient', got {kind!r}")
    return Dataset(X=X, Y=Y, kind=kind, seed=int(seed), rank=rank)


_SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def whitened_data(n: int, d: int, c: int = 1) -> st.SearchStrategy:
    r"""Strategy: whitened data sets (:math:`X^\top X = I_d` to 50 digits).

    Draws a seed uniformly from :math:`[0, 2^{32})` (shrinking towards 0) and
    returns ``make_dataset("whitened", n, d, seed, c=c)``: ``X`` is the Q
    factor (at 50 digits) of an ``n x d`` matrix with i.i.d. N(0, 1) entries;
    ``Y`` has i.i.d. N(0, 1) entries.

    Parameters
    ----------
    n, d : int
        Samples (``n >= d``) and input dimension.
    c : int
        Outputs.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Dataset

    Examples
    --------
    >>> from hypothesis import find
    >>> find(whitened_data(3, 2), lambda data: True).kind
    'whitened'
    """
    n, d, c = positive_int(n, "n"), positive_int(d, "d"), positive_int(c, "c")
    if n < d:
        raise ValueError(f"whitened data need n >= d, got n = {n}, d = {d}")
    return _SEEDS.map(lambda seed: make_dataset("whitened", n, d, seed, c=c))


def gaussian_data(n: int, d: int, c: int = 1) -> st.SearchStrategy:
    """Strategy: general data, ``X`` (``n x d``) and ``Y`` (``n x c``) with i.i.d. N(0, 1) entries.

    Draws a seed uniformly from :math:`[0, 2^{32})` (shrinking towards 0);
    the float64 values are used exactly.

    Parameters
    ----------
    n, d, c : int
        Samples, input dimension, outputs.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Dataset

    Examples
    --------
    >>> from hypothesis import find
    >>> find(gaussian_data(4, 3, c=2), lambda data: True).Y.shape
    (4, 2)
    """
    n, d, c = positive_int(n, "n"), positive_int(d, "d"), positive_int(c, "c")
    return _SEEDS.map(lambda seed: make_dataset("gaussian", n, d, seed, c=c))


def rank_deficient_data(n: int, d: int, rank: int, c: int = 1) -> st.SearchStrategy:
    """Strategy: data with ``X`` of exact rank ``rank < d`` and targets in its range.

    Draws a seed uniformly from :math:`[0, 2^{32})` (shrinking towards 0);
    ``X = U V^T`` with ``U``, ``V`` i.i.d. N(0, 1) rounded to multiples of
    1/16, and ``Y = X B`` with ``B`` alike (so an interpolant exists and
    :math:`X^\\top X` is singular).

    Parameters
    ----------
    n, d : int
        Samples and input dimension.
    rank : int
        ``1 <= rank < d``, ``rank <= n``.
    c : int
        Outputs.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Dataset

    Examples
    --------
    >>> from hypothesis import find
    >>> data = find(rank_deficient_data(1, 2, rank=1), lambda data: True)
    >>> data.kind, data.rank
    ('rank-deficient', 1)
    """
    n, d, c = positive_int(n, "n"), positive_int(d, "d"), positive_int(c, "c")
    make_dataset("rank-deficient", n, d, 0, c=c, rank=rank)  # validate now, not at draw time
    return _SEEDS.map(lambda seed: make_dataset("rank-deficient", n, d, seed, c=c, rank=rank))
