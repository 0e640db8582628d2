"""python -m jtrans.demo: what jtrans does, in a minute (grows with each capability)."""

import jtrans
import jtrans.numpy as jnp


def main():
    x = jnp.arange(3.0)
    print("An eager jtrans array:", repr(x))
    f = lambda x: jnp.sum(jnp.tanh(x) * x)  # noqa: E731
    print("The jaxpr of f(x) = sum(tanh(x) * x):")
    print(jtrans.make_jaxpr(f)(x))
    print("grad(f)(x) =", jtrans.grad(f)(x))
    print("The jaxpr of grad(f):")
    print(jtrans.make_jaxpr(jtrans.grad(f))(x))


if __name__ == "__main__":
    main()
