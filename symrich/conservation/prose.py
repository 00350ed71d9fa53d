r"""Sentences written once and shown twice: plain text in the terminal, LaTeX in the documents.

A :class:`Prose` holds both forms of one sentence.  It is built from parts
(:meth:`Prose.of`): prose, escaped for LaTeX; math, as plain text and as LaTeX
between ``$...$`` (:meth:`Prose.math`); names of models or files, in
``\texttt`` (:meth:`Prose.code`).  An :class:`Assumption` of a model is a
:class:`Prose` with, when the model is known to violate it, the reason.

>>> p = Prose.of("holds when ", Prose.math("d >= m", r"d \ge m"), " for ", Prose.code("two_layer_relu_2_3"))
>>> print(p.text)
holds when d >= m for two_layer_relu_2_3
>>> print(p.latex)
holds when $d \ge m$ for \texttt{two\_layer\_relu\_2\_3}
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Prose", "Assumption", "escape_text"]

#: LaTeX for the characters that plain text may contain but LaTeX treats specially (or prints wrongly).
_SPECIAL = {"\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "{": r"\{",
            "}": r"\}", "^": r"\^{}", "~": r"\~{}", "<": r"$<$", ">": r"$>$", "|": r"$|$"}


def escape_text(text) -> str:
    r"""Plain text as LaTeX prose: every character LaTeX treats specially is escaped.

    For a model name in ``\texttt{...}`` or a user's sentence; math in it is
    not recognised (use :meth:`Prose.math` for math).

    >>> print(escape_text("two_layer_z^2+z: 50% of {a, b} <= ||w||"))
    two\_layer\_z\^{}2+z: 50\% of \{a, b\} $<$= $|$$|$w$|$$|$
    """
    return "".join(_SPECIAL.get(ch, ch) for ch in str(text))


@dataclass(frozen=True)
class Prose:
    r"""One sentence in two forms.

    Attributes
    ----------
    text : str
        Plain text (the terminal, ``str(prose)``).
    latex : str
        LaTeX prose: special characters escaped, math in ``$...$``.

    Examples
    --------
    >>> Prose.plain("50% of z_k").latex
    '50\\% of z\\_k'
    >>> str(Prose.of("rank ", Prose.math("r <= D", r"r \le D"), "."))
    'rank r <= D.'
    """

    text: str
    latex: str

    def __post_init__(self):
        if not isinstance(self.text, str) or not isinstance(self.latex, str):
            raise TypeError(f"Prose needs two strings, got {type(self.text).__name__}, {type(self.latex).__name__}")

    def __str__(self) -> str:
        return self.text

    @classmethod
    def plain(cls, text: str) -> "Prose":
        """Plain text, the same in both forms (escaped for LaTeX).

        >>> Prose.plain("a_1 > 0").latex
        'a\\\\_1 $>$ 0'
        """
        return cls(text, escape_text(text))

    @classmethod
    def math(cls, text: str, latex: str | None = None) -> "Prose":
        r"""A formula: ``text`` in the terminal, ``$latex$`` in documents (``latex`` defaults to ``text``).

        >>> Prose.math("{0, 1}^m", r"\{0, 1\}^m").latex
        '$\\{0, 1\\}^m$'
        """
        return cls(text, f"${text if latex is None else latex}$")

    @classmethod
    def code(cls, name: str) -> "Prose":
        r"""A name (of a model, a file, an option): ``\texttt{...}`` in documents.

        >>> Prose.code("two_layer_z^2_2_2").latex
        '\\texttt{two\\_layer\\_z\\^{}2\\_2\\_2}'
        """
        return cls(name, rf"\texttt{{{escape_text(name)}}}")

    @classmethod
    def of(cls, *parts) -> "Prose":
        """Join parts: a ``str`` is prose (escaped for LaTeX), a :class:`Prose` is used as it is.

        >>> Prose.of("D = ", Prose.math("12"), " parameters").latex
        'D = $12$ parameters'
        """
        parts = [p if isinstance(p, Prose) else cls.plain(p) for p in parts]
        return cls("".join(p.text for p in parts), "".join(p.latex for p in parts))


@dataclass(frozen=True)
class Assumption:
    """A hypothesis under which a model describes the network, repeated in every result about the model.

    Attributes
    ----------
    statement : Prose
        The hypothesis.
    fails : Prose or None
        When the model is known to violate the part of the hypothesis that the
        count and the completeness verdict rely on: why.  Then
        :func:`~symrich.conservation.analyse` does not claim completeness
        (the laws found are still proved, each by its own derivation).

    Examples
    --------
    >>> a = Assumption(Prose.plain("the data are centred"))
    >>> a.statement.text, a.fails
    ('the data are centred', None)
    """

    statement: Prose
    fails: Prose | None = None

    def __post_init__(self):
        if not isinstance(self.statement, Prose) or not (self.fails is None or isinstance(self.fails, Prose)):
            raise TypeError("Assumption(statement, fails) needs a Prose and a Prose or None")
