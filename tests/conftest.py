import numpy as np
import pytest

import jtrans


@pytest.fixture
def x64():
    """Runs the test with 64-bit types enabled."""
    prev = jtrans.config.read("jax_enable_x64")
    jtrans.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jtrans.config.update("jax_enable_x64", prev)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
