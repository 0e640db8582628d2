"""Structured control flow primitives: cond, switch, while_loop, fori_loop, scan, map."""

__all__ = []
