"""custom_jvp, custom_vjp, checkpoint (remat) and stop_gradient."""

__all__ = []
