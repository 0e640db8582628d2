"""jtrans.optim (in progress)."""

__all__ = []
