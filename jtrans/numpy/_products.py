"""Products: dot, matmul, vdot, inner, outer, tensordot, einsum, kron, trace."""

__all__ = []
