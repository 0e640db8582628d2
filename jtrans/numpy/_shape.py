"""Shape manipulation: reshape, ravel, transpose, concatenate, stack, split, tile, repeat, flip, roll, pad, ..."""

__all__ = []
