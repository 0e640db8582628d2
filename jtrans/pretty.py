"""The jaxpr printer, in JAX's text format:

{ lambda ; a:f32[3]. let
    b:f32[3] = sin a
    c:f32[3] = mul b 2.0:f32[]
  in (c,) }
"""

import numpy as np

from . import core


def _encode(n):
    s = ""
    while True:
        n, r = divmod(n, 26)
        s = chr(ord("a") + r) + s
        if n == 0:
            return s


class _Names:
    def __init__(self):
        self.names = {}
        self.count = 0

    def __getitem__(self, v):
        if type(v) is core.Literal:
            return _literal(v)
        if v not in self.names:
            self.names[v] = _encode(self.count)
            self.count += 1
        return self.names[v]


def _literal(lit):
    val = lit.val
    if isinstance(val, np.ndarray):
        val = val.item() if val.ndim == 0 else val
    if isinstance(val, np.generic):
        val = val.item()
    return f"{val}:{lit.aval.str_short()}"


def _binder(names, v):
    return f"{names[v]}:{v.aval.str_short()}"


def _param(names, k, v, indent):
    if isinstance(v, core.ClosedJaxpr):
        v = _jaxpr(v.jaxpr, names, indent + 2)
    elif isinstance(v, core.Jaxpr):
        v = _jaxpr(v, names, indent + 2)
    elif isinstance(v, (tuple, list)) and v and isinstance(v[0], core.ClosedJaxpr):
        v = (
            "(\n"
            + "".join(" " * (indent + 4) + _jaxpr(j.jaxpr, names, indent + 4) + "\n" for j in v)
            + " " * (indent + 2)
            + ")"
        )
    elif isinstance(v, np.dtype):
        v = v.name
    elif callable(v) and not isinstance(v, (tuple, list)):
        v = getattr(v, "__name__", repr(v))
    return f"{k}={v}"


def _eqn(eqn, names, indent):
    ins = " ".join(names[v] for v in eqn.invars)
    outs = " ".join(_binder(names, v) for v in eqn.outvars)
    params = [_param(names, k, v, indent) for k, v in sorted(eqn.params.items())]
    if any("\n" in p for p in params):
        pad = " " * (indent + 2)
        head = f"{eqn.prim.name}[\n" + "".join(pad + p + "\n" for p in params) + " " * indent + "]"
    elif params:
        head = f"{eqn.prim.name}[{' '.join(params)}]"
    else:
        head = eqn.prim.name
    return f"{outs} = {head} {ins}".rstrip()


def _jaxpr(jaxpr, names, indent=0):
    consts = " ".join(_binder(names, v) for v in jaxpr.constvars)
    ins = " ".join(_binder(names, v) for v in jaxpr.invars)
    head = f"{{ lambda {consts}{'; ' if consts else ';'}{' ' if ins else ''}{ins}. let"
    head = head.replace(";  ", "; ")
    pad = " " * (indent + 4)
    body = "".join("\n" + pad + _eqn(e, names, indent + 4) for e in jaxpr.eqns)
    outs = "".join(names[v] + ", " for v in jaxpr.outvars).rstrip(" ")
    outs = f"({outs})" if len(jaxpr.outvars) == 1 else f"({outs.rstrip(',')})"
    if not jaxpr.eqns:
        return f"{head}  in {outs} }}"
    return f"{head}{body}\n{' ' * (indent + 2)}in {outs} }}"


def pp_jaxpr(jaxpr):
    return _jaxpr(jaxpr, _Names())
