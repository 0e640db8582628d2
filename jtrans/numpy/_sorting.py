"""Sorting and searching: sort, argsort, searchsorted, unique, nonzero, ..."""

__all__ = []
