"""Linear algebra primitives: dot_general and the LAPACK-backed decompositions and solves."""

__all__ = []
