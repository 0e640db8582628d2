"""jtrans/lowering/fastir.py against llvmlite.ir: the same API calls print the same module text,
byte for byte (types, constants, name uniquing, every builder method the renderer uses), the
text parses, and whole compilations render the same LLVM IR (and optimize to the same code) as
with llvmlite.ir (JTRANS_LLVMLITE_IR=1 in a subprocess)."""

import json
import math
import os
import runpy
import subprocess
import sys
import textwrap

import llvmlite.binding as llvm
import pytest
from llvmlite import ir as ref

from jtrans.lowering import fastir

BACKENDS = [fastir, ref]


def test_types_print_and_intern():
    ir = fastir
    i8, i32 = ir.IntType(8), ir.IntType(32)
    assert i32 is ir.IntType(32) and i32.width == 32 and str(i32) == "i32"
    assert ir.FloatType() is ir.FloatType() and ir.FloatType() != ir.DoubleType()
    p = i8.as_pointer()
    assert p is ir.PointerType(i8) and p.pointee is i8 and str(p) == "i8*"
    assert str(p.as_pointer()) == "i8**" and p != ir.PointerType(i32)
    arr = ir.ArrayType(i8, 3)
    assert str(arr) == "[3 x i8]" and arr.element is i8 and arr.count == 3
    st = ir.LiteralStructType([i32, p])
    assert str(st) == "{i32, i8*}" and str(ir.LiteralStructType([i32], packed=True)) == "<{i32}>"
    fty = ir.FunctionType(ir.VoidType(), [p, i32])
    assert str(fty) == "void (i8*, i32)" and str(fty.as_pointer()) == "void (i8*, i32)*"
    assert str(ir.FunctionType(i32, [i32], var_arg=True)) == "i32 (i32, ...)"
    assert fty.args == (p, i32) and fty.return_type is ir.VoidType()
    for name in ("IntType", "FloatType", "DoubleType", "HalfType"):
        for args in [(1,), (8,), (64,)] if name == "IntType" else [()]:
            assert str(getattr(fastir, name)(*args)) == str(getattr(ref, name)(*args))


CONSTANTS = [
    ("IntType", (64,), [0, 1, -1, 2**63 - 1, -(2**63), True, False, None]),
    ("IntType", (1,), [0, 1, True]),
    ("FloatType", (), [0.0, -0.0, 1.0, 0.1, 1 / 3, math.inf, -math.inf, math.nan, 3.4e38, 1e-45]),
    ("DoubleType", (), [0.0, -0.0, 0.1, 1 / 3, math.inf, -math.inf, math.nan, 1e-308, 5e-324]),
    ("HalfType", (), [0.0, 1.0, 0.1, 65504.0, math.inf, math.nan]),
]


@pytest.mark.parametrize("tyname,args,values", CONSTANTS)
def test_constants_print_as_llvmlite(tyname, args, values):
    fty, rty = getattr(fastir, tyname)(*args), getattr(ref, tyname)(*args)
    for v in values:
        assert fastir.Constant(fty, v).ref == ref.Constant(rty, v).get_reference(), v


def test_aggregate_and_pointer_constants():
    for ir in BACKENDS:
        i8 = ir.IntType(8)
        assert ir.Constant(i8.as_pointer(), None).get_reference() == "null"
        data = bytearray(b'k3_body"\\\n\0')
        assert ir.Constant(ir.ArrayType(i8, len(data)), data).get_reference() == (
            'c"k3_body\\22\\5c\\0a\\00"'
        )
    arr = [fastir.ArrayType(fastir.IntType(32), 2), ref.ArrayType(ref.IntType(32), 2)]
    assert fastir.Constant(arr[0], [1, 2]).ref == ref.Constant(arr[1], [1, 2]).get_reference()


def _build(ir):
    """A module touching every part of the API the renderer uses."""
    i1, i8, i32, i64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
    f16, f32, f64 = ir.HalfType(), ir.FloatType(), ir.DoubleType()
    ptr = ir.PointerType(i8)
    m = ir.Module("t")
    gv = ir.GlobalVariable(m, ptr, "g_fn")
    gv.initializer = ir.Constant(ptr, None)
    data = bytearray(b"name\0")
    s = ir.GlobalVariable(m, ir.ArrayType(i8, len(data)), "name.x")
    s.initializer, s.global_constant, s.linkage = ir.Constant(s.value_type, data), True, "internal"
    sqrt = ir.Function(m, ir.FunctionType(f32, [f32]), "llvm.sqrt.f32")
    cb = ir.Function(m, ir.FunctionType(i32, [i64]), "callback")
    fn = ir.Function(m, ir.FunctionType(ir.VoidType(), [ptr, ptr, i64]), "kern")
    fn.linkage = "internal"
    for a in ("noinline", "nounwind"):
        fn.attributes.add(a)
    for a in fn.args[:2]:
        a.add_attribute("noalias")
    x, y, n = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    xf = b.bitcast(x, f32.as_pointer())
    yd = b.bitcast(y, f64.as_pointer(), name="y.d")
    same = b.bitcast(x, ptr)  # no-op casts return their operand
    assert same is x
    head, body, done = (fn.append_basic_block(k) for k in ("i.head", "i.body", "i.exit"))
    pre = b.block
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(i64, name="i")
    i.add_incoming(i64(0), pre)
    b.cbranch(b.icmp_signed("<", i, n), body, done)
    b.position_at_end(body)
    with b.goto_entry_block():  # before the entry block's terminator
        acc = b.alloca(f64, name="acc")
        row = b.alloca(i64, 4, name="acc")  # a duplicate name
    v = b.load(b.gep(xf, [i]))
    w = b.fmul(v, ir.Constant(f32, 0.1), flags=("contract",))
    w = b.fadd(w, b.call(sqrt, [v]), flags=("reassoc", "nsz"))
    w = b.select(b.fcmp_unordered("uno", w, w), ir.Constant(f32, 0.0), w)
    w = b.select(b.fcmp_ordered(">=", w, ir.Constant(f32, math.inf)), b.fneg(w), w)
    h = b.fptrunc(w, f16)
    d = b.fpext(b.fpext(h, f32), f64)
    b.store(b.fsub(b.fdiv(d, ir.Constant(f64, 3.0)), b.frem(d, d)), acc)
    b.store(b.load(acc), b.gep(yd, [i]))
    k = b.fptosi(w, i32)
    k2 = b.fptoui(w, i64)
    k = b.add(b.mul(k, i32(3)), b.sub(k, i32(-7)), name="k")
    k = b.and_(b.or_(k, i32(1)), b.xor(k, b.not_(k)))
    k = b.shl(b.lshr(k, i32(1)), b.ashr(k, i32(2)), name="k")
    q = b.add(b.sdiv(k, i32(2)), b.udiv(k, i32(3)))
    q = b.add(b.srem(q, i32(5)), b.urem(q, i32(7)))
    q64 = b.add(b.sext(q, i64), b.zext(b.trunc(q, i8), i64))
    q64 = b.add(q64, b.neg(k2))
    b.store(b.sitofp(q64, f64), acc)
    b.store(b.uitofp(b.icmp_unsigned("==", q64, i64(0)), f64), acc)
    b.store(q64, b.gep(row, [i32(2)]))
    p = b.inttoptr(b.ptrtoint(y, i64), ptr)
    with b.if_then(b.icmp_unsigned("!=", p, ir.Constant(ptr, None))):
        b.store(i64(1), b.gep(row, [i32(0)]))
    with b.if_else(b.icmp_signed(">", q64, i64(5))) as (then, other):
        with then:
            b.store(i64(2), b.gep(row, [i32(1)]))
        with other:
            rc = b.call(b.bitcast(b.load(gv), cb.type), [i64(7)])
            b.store(b.zext(rc, i64), b.gep(row, [i32(1)]))
    sw = b.switch(b.load(b.gep(row, [i32(3)])), done)
    nxt = fn.append_basic_block("i.next")
    sw.add_case(i64(1), nxt)
    sw.add_case(2, nxt)
    b.position_at_end(nxt)
    i.add_incoming(b.add(i, i64(1), name="i.next", flags=("nuw", "nsw")), nxt)
    b.branch(head)
    b.position_at_end(done)
    b.store(i1(1), b.bitcast(b.gep(x, [i64(0)]), i1.as_pointer()))
    b.ret_void()
    main = ir.Function(m, ir.FunctionType(i32, [ptr]), "main")
    b = ir.IRBuilder(main.append_basic_block("entry"))
    for blk in ("bad", "bad"):  # duplicate block names
        main.append_basic_block(blk)
    b.call(fn, [main.args[0], b.bitcast(s, ptr), i64(10)])
    b.ret(b.call(cb, [i64(1)], name="rc"))
    for blk in main.blocks[1:]:
        b.position_at_end(blk)
        b.ret(i32(-1))
    assert m.get_global("kern") is fn and m.globals["main"] is main
    assert [f.name for f in m.functions] == ["llvm.sqrt.f32", "callback", "kern", "main"]
    assert isinstance(i, ir.Value) and isinstance(i64(1), ir.Value) and i.type is i64
    return m


def test_builder_output_equals_llvmlite():
    assert str(_build(fastir)) == str(_build(ref))


def test_builder_output_parses():
    mod = llvm.parse_assembly(str(_build(fastir)))
    mod.verify()


def test_duplicate_global_names_raise():
    m = fastir.Module()
    fastir.Function(m, fastir.FunctionType(fastir.VoidType(), []), "f")
    with pytest.raises(NameError):
        fastir.Function(m, fastir.FunctionType(fastir.VoidType(), []), "f")
    assert m.get_unique_name("f") == "f.1" and m.get_unique_name("g") == "g"


# programs compiled in a subprocess with llvmlite.ir and here with fastir
PROGRAMS = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import jtrans, jtrans.numpy as jnp
    from jtrans import lax

    def mlp_loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = jnp.tanh(h @ w + b)
        w, b = params[-1]
        logits = h @ w + b
        logp = logits - jnp.log(jnp.sum(jnp.exp(logits), axis=1, keepdims=True))
        return -jnp.mean(jnp.sum(logp * y, axis=1)) + 0.01 * jnp.sum(jax_sigmoid(h))

    def jax_sigmoid(x):
        return 1 / (1 + jnp.exp(-x))

    def control(x, n):
        def body(i, c):
            return lax.cond(i % 2 == 0, lambda c: c * 1.5, lambda c: jnp.sin(c) - 1.0, c)
        y = lax.fori_loop(0, n, body, x)
        z = lax.while_loop(lambda c: c[0] < 10, lambda c: (c[0] + 1, c[1] * 0.5), (0, y))[1]
        s, ys = lax.scan(lambda c, v: (c + v, c * v), jnp.zeros(x.shape[1:]), x)
        return z.sum() + s.sum() + ys.sum()

    def misc(x, i, k):
        srt = lax.sort(x, dimension=1)
        c = jnp.cumsum(x, axis=0) + lax.cumlogsumexp(x, axis=1)
        am = jnp.argmax(x, axis=1)
        sc = jnp.zeros(8).at[i].add(x[:, 0])
        g = x[i % 4]
        h = x.astype(jnp.float16) * 2
        ik = (k // 3 + k % 5) << 2 | lax.population_count(k)
        return srt, c, am, sc, g, h.astype(jnp.float32), ik >> 1, lax.shift_right_logical(k, 3)

    def conv(x, w):
        y = lax.conv_general_dilated(x, w, (1, 1), "SAME")
        return lax.reduce_window(y, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    rng = np.random.default_rng(0)
    f32 = np.float32
    params = [(rng.normal(size=(16, 32)).astype(f32), np.zeros(32, f32)),
              (rng.normal(size=(32, 4)).astype(f32), np.zeros(4, f32))]
    CASES = {
        "mlp": (jtrans.grad(mlp_loss), (params, rng.normal(size=(8, 16)).astype(f32),
                                        np.eye(4, dtype=f32)[rng.integers(0, 4, 8)])),
        "control": (control, (rng.normal(size=(5, 3)).astype(f32), 7)),
        "misc": (misc, (rng.normal(size=(4, 6)).astype(f32), np.array([1, 3, 3, 7]),
                        np.arange(-6, 6, dtype=np.int32))),
        "conv": (jtrans.grad(lambda x, w: conv(x, w).sum(), argnums=(0, 1)),
                 (rng.normal(size=(2, 3, 8, 8)).astype(f32),
                  rng.normal(size=(4, 3, 3, 3)).astype(f32))),
    }
    OPT = ("mlp", "control")

    def texts():
        out = {}
        for name, (f, args) in CASES.items():
            low = jtrans.jit(f).lower(*args)
            out[name] = low.as_text("llvm")
            if name in OPT:
                out[name + ":opt"] = low.as_text("llvm-opt")
        return out
    """
)


def _opt_counts(text):
    """{function name: instruction count} of an optimized module's definitions."""
    counts, cur = {}, None
    for line in text.splitlines():
        if line.startswith("define "):
            cur = line.split("@", 1)[1].split("(", 1)[0]
            counts[cur] = 0
        elif line.startswith("}"):
            cur = None
        elif cur is not None and line.startswith("  ") and not line.lstrip().startswith(";"):
            counts[cur] += 1
    return counts


def test_compilations_render_as_with_llvmlite(tmp_path):
    script = tmp_path / "programs.py"
    script.write_text(
        PROGRAMS + "\nif __name__ == '__main__':\n    json.dump(texts(), sys.stdout)\n"
    )
    mine = runpy.run_path(str(script))["texts"]()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, JTRANS_LLVMLITE_IR="1", PYTHONPATH=path)
    res = subprocess.run([sys.executable, str(script)], env=env, cwd=root, capture_output=True,
                         text=True, check=True)  # fmt: skip
    theirs = json.loads(res.stdout)
    assert mine.keys() == theirs.keys()
    for key in mine:
        if key.endswith(":opt"):
            assert _opt_counts(mine[key]) == _opt_counts(theirs[key]), key
            assert sum(_opt_counts(mine[key]).values()) > 0
        assert mine[key] == theirs[key], key
