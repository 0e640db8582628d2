"""The jaxpr printer, in JAX's text format. A jaxpr that fits in 80 columns prints on one line,
`{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = mul b 2.0:f32[] in (c,) }`; a longer one
prints one equation per line:

    { lambda ; a:f32[3]. let
        b:f32[3] = sin a
        c:f32[3] = mul b 2.0:f32[]
      in (c,) }

Each sub-jaxpr (a parameter of jit, cond, scan ...) names its variables afresh, as JAX does;
an equation's output that nothing reads prints as `_` and takes no name (as JAX 0.10 prints).
"""

import numpy as np

from . import core

WIDTH = 80


def _encode(n):
    s = ""
    while True:
        n, r = divmod(n, 26)
        s = chr(ord("a") + r) + s
        if n == 0:
            return s


class _Names:
    def __init__(self, jaxpr=None):
        self.names = {}
        self.used = None if jaxpr is None else _used_vars(jaxpr)

    def __getitem__(self, v):
        if type(v) is core.Literal:
            return _literal(v)
        if v not in self.names:
            self.names[v] = _encode(len(self.names))
        return self.names[v]


def _literal(lit):
    val = lit.val
    if isinstance(val, np.ndarray):
        val = val.item() if val.ndim == 0 else val
    if isinstance(val, np.generic):
        val = val.item()
    return f"{val}:{lit.aval.str_short(short_dtypes=True)}"


def _used_vars(jaxpr):
    used = {v for v in jaxpr.outvars if type(v) is not core.Literal}
    for eqn in jaxpr.eqns:
        used.update(v for v in eqn.invars if type(v) is not core.Literal)
    return used


def _binder(names, v):
    return f"{names[v]}:{v.aval.str_short(short_dtypes=True)}"


def _out_binder(names, v):
    if names.used is not None and v not in names.used:
        return f"_:{v.aval.str_short(short_dtypes=True)}"
    return _binder(names, v)


def _param_value(v, indent):
    """(one-line text, multi-line text or None) of a parameter value."""
    if isinstance(v, core.ClosedJaxpr):
        v = v.jaxpr
    if isinstance(v, core.Jaxpr):
        flat = _jaxpr_flat(v, _Names(v))
        return flat, _jaxpr(v, indent)
    if (
        isinstance(v, (tuple, list))
        and v
        and all(isinstance(j, (core.ClosedJaxpr, core.Jaxpr)) for j in v)
    ):
        js = [j.jaxpr if isinstance(j, core.ClosedJaxpr) else j for j in v]
        flat = "(" + " ".join(_jaxpr_flat(j, _Names(j)) for j in js) + ")"
        pad = " " * (indent + 2)
        multi = "(\n" + "".join(pad + _jaxpr(j, indent + 2) + "\n" for j in js)
        return flat, multi + " " * indent + ")"
    if isinstance(v, np.dtype):
        return v.name, None
    if callable(v) and not isinstance(v, (tuple, list, type)):
        return getattr(v, "__name__", repr(v)), None
    return str(v), None


def _eqn(eqn, names, indent, flat=False):
    ins = " ".join(names[v] for v in eqn.invars)
    outs = " ".join(_out_binder(names, v) for v in eqn.outvars) or "_"
    params = [(k, _param_value(v, indent + 2)) for k, v in eqn.params.items()]
    flat_params = " ".join(f"{k}={flat}" for k, (flat, _) in params)
    head = f"{eqn.prim.name}[{flat_params}]" if params else eqn.prim.name
    line = f"{outs} = {head} {ins}".rstrip()
    if flat or indent + len(line) <= WIDTH or not params:
        return line
    pad = " " * (indent + 2)
    body = "".join(f"{pad}{k}={multi or flat}\n" for k, (flat, multi) in params)
    return f"{outs} = {eqn.prim.name}[\n{body}{' ' * indent}] {ins}".rstrip()


def _header(jaxpr, names):
    consts = " ".join(_binder(names, v) for v in jaxpr.constvars)
    ins = " ".join(_binder(names, v) for v in jaxpr.invars)
    return f"{{ lambda {consts}; {ins}. let" if ins else f"{{ lambda {consts}; . let"


def _outs(jaxpr, names):
    outs = ", ".join(names[v] for v in jaxpr.outvars)
    return f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"


def _jaxpr_flat(jaxpr, names):
    head = _header(jaxpr, names)
    eqns = "; ".join(_eqn(e, names, 0, flat=True) for e in jaxpr.eqns)
    return f"{head} {eqns}{' ' if eqns else ' '}in {_outs(jaxpr, names)} }}"


def _jaxpr(jaxpr, indent=0):
    flat = _jaxpr_flat(jaxpr, _Names(jaxpr))
    if indent + len(flat) <= WIDTH and "\n" not in flat:
        return flat
    names = _Names(jaxpr)
    head = _header(jaxpr, names)
    pad = " " * (indent + 4)
    body = "".join("\n" + pad + _eqn(e, names, indent + 4) for e in jaxpr.eqns)
    return f"{head}{body}\n{' ' * (indent + 2)}in {_outs(jaxpr, names)} }}"


def pp_jaxpr(jaxpr):
    return _jaxpr(jaxpr, 0)
