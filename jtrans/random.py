"""jtrans.random (in progress)."""

__all__ = []
