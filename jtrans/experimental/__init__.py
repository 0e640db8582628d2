"""`jtrans.experimental`: JAX's experimental APIs that jtrans provides (`ode`)."""
