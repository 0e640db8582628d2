"""jtrans.nn (in progress)."""

__all__ = []
