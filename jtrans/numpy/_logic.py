"""Logic and comparisons: equal, less, logical_*, isclose, allclose, isnan, where, ..."""

__all__ = []
