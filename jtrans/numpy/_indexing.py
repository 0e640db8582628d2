"""Indexing: x[idx] through slice/gather, and x.at[idx].set/add/... through scatter."""

__all__ = []
