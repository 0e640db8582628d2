"""The threefry-2x32 counter-based random bit generator, written with uint32 primitives."""

__all__ = []
