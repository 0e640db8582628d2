"""JAX's remaining top-level names, as JAX documents them: the config options (debug_nans,
debug_infs, numpy_rank_promotion, default_prng_impl, transfer guards, leak checking, ...),
the AOT stages (jit(f).trace / .lower / .compile / .eval_shape, jtrans.stages), Device,
jtrans.dlpack and jtrans.experimental."""

import inspect
import warnings

import numpy as np
import pytest

import jtrans
import jtrans.numpy as jnp
from jtrans import _misc, core, stages
from jtrans.errors import UnexpectedTracerError

# ---------------------------------------------------------------------------------------------
# config options


@pytest.mark.parametrize(
    "state,default",
    [
        (jtrans.debug_nans, False),
        (jtrans.debug_infs, False),
        (jtrans.numpy_rank_promotion, "allow"),
        (jtrans.default_prng_impl, "threefry2x32"),
        (jtrans.enable_checks, False),
        (jtrans.check_tracer_leaks, False),
        (jtrans.explain_cache_misses, False),
        (jtrans.log_compiles, False),
        (jtrans.default_device, None),
        (jtrans.transfer_guard_host_to_device, None),
        (jtrans.transfer_guard_device_to_device, None),
        (jtrans.transfer_guard_device_to_host, None),
    ],
)
def test_state_default_value_and_config_name(state, default):
    assert state.value == default
    assert jtrans.config.read(state.name) == default  # also a jtrans.config option


def test_state_context_manager_restores_on_exit_and_error():
    with jtrans.enable_checks(True):
        assert jtrans.enable_checks.value is True
        assert jtrans.config.jax_enable_checks is True
    assert jtrans.enable_checks.value is False
    with pytest.raises(KeyError):
        with jtrans.numpy_rank_promotion("warn"):
            raise KeyError
    assert jtrans.numpy_rank_promotion.value == "allow"


def test_state_as_decorator():
    @jtrans.explain_cache_misses(True)
    def f():
        return jtrans.explain_cache_misses.value

    assert f() is True and jtrans.explain_cache_misses.value is False


def test_bool_state_without_argument_means_true_others_need_one():
    with jtrans.check_tracer_leaks():
        assert jtrans.check_tracer_leaks.value is True
    with jtrans.checking_leaks():
        assert jtrans.check_tracer_leaks.value is True
    assert jtrans.check_tracer_leaks.value is False
    with pytest.raises(TypeError, match="requires an argument"):
        jtrans.numpy_rank_promotion()


def test_state_rejects_bad_values():
    with pytest.raises(ValueError, match="allow"):
        jtrans.numpy_rank_promotion("sometimes")
    with pytest.raises(TypeError, match="True or False"):
        jtrans.debug_nans("yes")
    with pytest.raises(ValueError, match="one of"):
        jtrans.default_prng_impl("mersenne")
    with pytest.raises(ValueError, match="threefry2x32"):  # a JAX name jtrans doesn't implement
        jtrans.default_prng_impl("rbg")
    with pytest.raises(ValueError, match="one of"):
        with jtrans.transfer_guard("sometimes"):
            pass
    with jtrans.default_prng_impl("threefry2x32"):
        assert jtrans.random.normal(jtrans.random.PRNGKey(0)).shape == ()


def test_transfer_guards_are_accepted_and_change_nothing():
    x = np.ones(3, np.float32)
    for level in ("allow", "log", "disallow", "log_explicit", "disallow_explicit"):
        with jtrans.transfer_guard(level):
            assert jtrans.transfer_guard_host_to_device.value == level
            assert jtrans.transfer_guard_device_to_host.value == level
            y = jtrans.device_put(x)
            np.testing.assert_array_equal(np.asarray(jnp.sin(y)), np.sin(x))
    assert jtrans.transfer_guard_device_to_device.value is None
    with jtrans.transfer_guard_host_to_device("disallow"):
        assert jtrans.transfer_guard_device_to_host.value is None


def test_leak_checking_is_on_by_design():
    # with or without the option, a tracer used after its transformation ended raises
    leaked = []
    with jtrans.checking_leaks():
        jtrans.jit(lambda x: leaked.append(x) or x)(1.0)
    with pytest.raises(UnexpectedTracerError):
        jnp.sin(leaked[0])


def test_threefry_partitionable_and_default_device_are_accepted():
    with jtrans.threefry_partitionable(True):
        assert jtrans.config.jax_threefry_partitionable is True
    with jtrans.default_device(jtrans.devices("cpu")[0]):
        assert jtrans.default_device.value is jtrans.devices("cpu")[0]
        assert float(jnp.sum(jnp.ones(3))) == 3.0


def test_log_compiles_context_logs(caplog):
    f = jtrans.jit(lambda x: x + 1)
    with jtrans.log_compiles(True):
        f(jnp.ones(2))
    assert "Compiling" in caplog.text


# ---------------------------------------------------------------------------------------------
# debug_nans / debug_infs


def _core_has_hook():
    return "_check_nans" in inspect.getsource(core.EvalTrace.process_primitive)


@pytest.fixture
def nan_hook(monkeypatch):
    """The eager check lives in core's EvalTrace.process_primitive; until it is there, the
    same call is installed around it here (so these tests check _misc's part either way)."""
    if not _core_has_hook():
        orig = core.EvalTrace.process_primitive

        def hooked(self, prim, args, params):
            out = orig(self, prim, args, params)
            if jtrans.config.jax_debug_nans or jtrans.config.jax_debug_infs:
                vals = [o._value for o in out] if prim.multiple_results else out._value
                _misc._check_nans(prim, vals, params)
            return out

        monkeypatch.setattr(core.EvalTrace, "process_primitive", hooked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own 0/0 warnings
        yield


def test_debug_nans_eager_names_the_primitive(nan_hook):
    with jtrans.debug_nans(True):
        with pytest.raises(FloatingPointError, match=r"invalid value \(nan\) encountered in div"):
            jnp.divide(0.0, 0.0)
        with pytest.raises(FloatingPointError, match="nan"):
            jnp.log(jnp.array([-1.0, 1.0]))
        assert float(jnp.divide(1.0, 2.0)) == 0.5  # no NaN: no error
        assert float(jnp.divide(1.0, 0.0)) == np.inf  # an inf is not checked by debug_nans
        jnp.array([1, 2]) // jnp.array([1, 1])  # integers are never checked
    assert np.isnan(float(jnp.divide(0.0, 0.0)))  # off again


def test_debug_nans_jit_reruns_deoptimized(nan_hook, capsys):
    @jtrans.jit
    def f(x, y):
        a = x * y
        b = (x + y) / (x - y)
        c = a + 2
        return a + b * c

    x = jnp.array([2.0, 0.0])
    y = jnp.array([3.0, 0.0])
    np.testing.assert_allclose(np.asarray(f(x + 5, y)), np.asarray(f(x + 5, y)))  # warm cache
    with jtrans.debug_nans(True):
        with pytest.raises(FloatingPointError, match=r"encountered in div"):
            f(x, y)
        assert "de-optimized" in capsys.readouterr().out
        f(x + 5, y)  # no NaN: the compiled result
        # inside a transformation the primitive is found too
        with pytest.raises(FloatingPointError, match=r"encountered in div"):
            jtrans.grad(lambda x: f(x, y).sum())(x)


def test_debug_nans_literal_nan_output(nan_hook):
    with jtrans.debug_nans(True):
        with pytest.raises(FloatingPointError, match="de-optimized function did not produce"):
            jtrans.jit(lambda x: x + jnp.nan)(1.0)


def test_debug_infs(nan_hook):
    with jtrans.debug_infs(True):
        with pytest.raises(FloatingPointError, match=r"invalid value \(inf\) encountered in div"):
            jnp.divide(1.0, 0.0)
        with pytest.raises(FloatingPointError, match=r"\(inf\) encountered in exp"):
            jtrans.jit(lambda x: jnp.exp(x) * 2)(jnp.array([1000.0]))
        assert np.isnan(float(jnp.divide(0.0, 0.0)))  # NaNs are debug_nans's


def test_debug_nans_via_config_update(nan_hook):
    jtrans.config.update("jax_debug_nans", True)
    try:
        with pytest.raises(FloatingPointError):
            jnp.sqrt(-1.0)
    finally:
        jtrans.config.update("jax_debug_nans", False)


# ---------------------------------------------------------------------------------------------
# numpy_rank_promotion


def test_numpy_rank_promotion():
    a, b = jnp.ones(3), jnp.ones((2, 3))
    assert (a + b).shape == (2, 3)  # "allow" (the default)
    with jtrans.numpy_rank_promotion("raise"):
        with pytest.raises(ValueError, match=r"jax_numpy_rank_promotion='raise'"):
            a + b
        with pytest.raises(ValueError, match=r"\(3,\) \(2, 3\)"):
            jnp.maximum(a, b)
        # scalars and equal ranks are not rank promotion
        assert (a + 1.0).shape == (3,)
        assert (a * jnp.float32(2)).shape == (3,)
        assert (b + jnp.ones((1, 3))).shape == (2, 3)
        assert (a[None] + b).shape == (2, 3)
    with jtrans.numpy_rank_promotion("warn"):
        with pytest.warns(UserWarning, match="automatic rank promotion for add"):
            assert (a + b).shape == (2, 3)
    jtrans.config.update("jax_numpy_rank_promotion", "raise")
    try:
        with pytest.raises(ValueError):
            jnp.where(b > 0, a, b)
    finally:
        jtrans.config.update("jax_numpy_rank_promotion", "allow")


# ---------------------------------------------------------------------------------------------
# stages


def _f(x, y):
    return x * 2, {"a": jnp.sum(y)}


def test_trace_stage():
    x, y = jnp.ones(3), jnp.ones((2, 2))
    t = jtrans.jit(_f).trace(x, y)
    assert isinstance(t, stages.Traced)
    assert "reduce_sum" in str(t.jaxpr) and len(t.jaxpr.jaxpr.invars) == 2
    assert t.out_info == (jtrans.ShapeDtypeStruct((3,), np.float32),
                          {"a": jtrans.ShapeDtypeStruct((), np.float32)})  # fmt: skip
    (info_x, info_y), kw = t.args_info
    assert kw == {} and info_x.shape == (3,) and info_y.dtype == np.float32
    assert not info_x.donated
    assert t.fun_name == "_f"
    assert [a.shape for a in t.in_avals] == [(3,), (2, 2)]
    low = t.lower()
    assert isinstance(low, stages.Lowered) and isinstance(low, jtrans.api.Lowered)
    assert low.out_info == t.out_info and low.as_text() == str(t.jaxpr)


def test_lower_compile_and_call():
    x, y = jnp.ones(3), jnp.ones((2, 2))
    low = jtrans.jit(_f).lower(x, y)
    assert isinstance(low, stages.Lowered)
    c = low.compile()
    assert isinstance(c, stages.Compiled)
    out = c(x, y)
    np.testing.assert_array_equal(np.asarray(out[0]), [2.0, 2.0, 2.0])
    assert float(out[1]["a"]) == 4.0
    assert c.out_info == low.out_info and c.args_info == low.args_info
    with pytest.raises(TypeError, match="Argument types differ"):
        c(jnp.ones(4), y)
    with pytest.raises(TypeError, match="Argument types differ"):
        c(jnp.ones(3, jnp.int32), y)
    with pytest.raises(TypeError, match="pytree"):
        c(x)
    # a Python scalar fits a compiled f32[] argument (weak types are not part of the signature)
    assert float(jtrans.jit(lambda v: v + 1).lower(1.0).compile()(jnp.float32(2))) == 3.0


def test_compiled_takes_dynamic_arguments_only():
    f = jtrans.jit(lambda x, n: x * n, static_argnums=1)
    t = f.trace(jnp.ones(3), 2)
    assert len(t.args_info[0]) == 1  # the static argument is not an argument of the stage
    c = t.lower().compile()
    np.testing.assert_array_equal(np.asarray(c(jnp.ones(3))), [2.0, 2.0, 2.0])
    with pytest.raises(TypeError, match="static arguments are not passed"):
        c(jnp.ones(3), 2)
    g = jtrans.jit(lambda x, *, k: x + k, static_argnames="k")
    assert float(g.lower(jnp.float32(1), k=3).compile()(jnp.float32(1))) == 4.0


def test_eval_shape_and_wrapped():
    f = jtrans.jit(_f)
    assert f.eval_shape(jnp.ones(3), jnp.ones((2, 2))) == jtrans.eval_shape(
        _f, jnp.ones(3), jnp.ones((2, 2))
    )
    assert isinstance(f, stages.Wrapped)
    assert not isinstance(_f, stages.Wrapped)
    with pytest.raises(TypeError):  # shape errors surface while tracing, as in JAX
        jtrans.jit(lambda a, b: a @ b).eval_shape(jnp.ones((2, 3)), jnp.ones((2, 3)))


# ---------------------------------------------------------------------------------------------
# Device, dlpack, experimental


def test_device_class():
    assert jtrans.Device is jtrans.device.Device
    assert all(isinstance(d, jtrans.Device) for d in jtrans.devices())
    assert jtrans.devices("cpu")[0].platform == "cpu"


def test_dlpack_roundtrip():
    a = np.arange(4, dtype=np.float32)
    x = jtrans.dlpack.from_dlpack(a)
    assert isinstance(x, jtrans.Array) and x.dtype == np.float32
    assert np.shares_memory(np.asarray(x), a)  # zero-copy on the CPU
    y = jtrans.dlpack.from_dlpack(a, copy=True)
    assert not np.shares_memory(np.asarray(y), a)
    assert jtrans.dlpack.from_dlpack(np.arange(3.0)).dtype == np.float32  # x64 off: narrowed
    with pytest.raises(ValueError, match="copy=False"):
        jtrans.dlpack.from_dlpack(np.arange(3.0), copy=False)
    with pytest.raises(TypeError, match="__dlpack__"):
        jtrans.dlpack.from_dlpack([1.0, 2.0])
    assert type(jtrans.dlpack.to_dlpack(x)).__name__ == "PyCapsule"
    assert jtrans.dlpack.is_supported_dtype(np.float32)
    assert not jtrans.dlpack.is_supported_dtype(np.dtype("U3"))


def test_experimental_and_ops_are_importable_from_jtrans():
    assert jtrans.experimental.__name__ == "jtrans.experimental"
    from jtrans.experimental import ode  # a submodule imported explicitly, as in JAX

    assert callable(ode.odeint)
    assert callable(jtrans.ops.segment_sum)


# ---------------------------------------------------------------------------------------------
# sharding (a single-device shim)


def test_sharding_objects():
    from jtrans.sharding import Mesh, NamedSharding, PartitionSpec, SingleDeviceSharding

    mesh = jtrans.make_mesh((1,), ("x",))
    assert isinstance(mesh, Mesh) and mesh.shape == {"x": 1} and mesh.size == 1
    assert mesh.axis_names == ("x",) and mesh.devices.shape == (1,)
    s = jtrans.NamedSharding(mesh, jtrans.P("x", None))
    assert s.mesh is mesh and s.spec == PartitionSpec("x", None) and s.num_devices == 1
    assert s.device_set == {jtrans.devices()[0]} and s.is_fully_replicated
    assert jtrans.P is PartitionSpec and jtrans.NamedSharding is NamedSharding
    assert repr(jtrans.P("x")) == "P('x',)" and jtrans.P() == PartitionSpec()
    assert SingleDeviceSharding(jtrans.devices()[0]).device_set == {jtrans.devices()[0]}
    with mesh:  # the legacy mesh context
        pass
    with pytest.raises(ValueError, match="Number of devices"):
        jtrans.make_mesh((len(jtrans.devices()) + 1,), ("x",))
    with pytest.raises(ValueError, match="axis names"):
        jtrans.make_mesh((1,), ("x", "y"))
    with pytest.raises(ValueError, match="not found in mesh"):
        jtrans.NamedSharding(mesh, jtrans.P("y"))
    with pytest.raises(TypeError, match="PartitionSpec entries"):
        jtrans.P(3)


def test_device_put_accepts_a_sharding():
    mesh = jtrans.make_mesh((1,), ("x",))
    x = jtrans.device_put(np.arange(3.0), jtrans.NamedSharding(mesh, jtrans.P("x")))
    assert isinstance(x, jtrans.Array) and x.dtype == np.float32
    single = jtrans.sharding.SingleDeviceSharding(jtrans.devices("cpu")[0])
    np.testing.assert_array_equal(np.asarray(jtrans.device_put(x, single)), [0.0, 1.0, 2.0])
    # jit's sharding arguments are accepted and ignored
    f = jtrans.jit(lambda v: v * 2, in_shardings=None, out_shardings=None)
    np.testing.assert_array_equal(np.asarray(f(x)), [0.0, 2.0, 4.0])
