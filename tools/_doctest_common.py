"""What the two docstring differentials (docstring_diff.py, jnp_docstring_diff.py) share:
running one example with a time limit, normalising output, comparing numbers, naming errors.
No side effects on import (each tool sets up JAX its own way)."""

import contextlib
import io
import re
import signal
import sys

import numpy as np

TIMEOUT_S = 30


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout(f"example ran past {TIMEOUT_S} s")


def run_example(source, ns):
    """(printed text, exception or None) of one example run as doctest runs it."""
    buf = io.StringIO()
    old_hook = sys.displayhook
    sys.displayhook = sys.__displayhook__
    signal.alarm(TIMEOUT_S)
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(source, "<doctest>", "single"), ns)  # noqa: S102
        return buf.getvalue(), None
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        return buf.getvalue(), e
    finally:
        signal.alarm(0)
        sys.displayhook = old_hook


def to_jtrans(source):
    """The example's source with every `jax` name rebound to jtrans."""
    return re.sub(r"\bjax\b", "jtrans", source)


def run_doc(doc, lib, ns, reset):
    """(the docstring's doctest examples, each one's run_example result), run in namespace `ns`
    by `lib` ("jax", or "jtrans": the sources rebound); `reset()` afterwards."""
    import doctest

    examples = doctest.DocTestParser().get_examples(doc)
    try:
        results = [run_example(ex.source if lib == "jax" else to_jtrans(ex.source), ns)
                   for ex in examples]  # fmt: skip
    finally:
        reset()
    return examples, results


def normalise(text):
    text = re.sub(r"\bjaxlib\b[\w.]*", "LIB", text)
    text = re.sub(r"\bjax\b", "jtrans", text)
    text = re.sub(r"0x[0-9a-fA-F]+", "0xADDR", text)
    return text


def _num(s):
    s = s.lower().rstrip("j")
    return float(s)


def numbers_close(a, b, rtol=1e-4, atol=1e-6):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        try:
            fx, fy = _num(x), _num(y)
        except ValueError:
            return False
        if np.isnan(fx) and np.isnan(fy):
            continue
        if not np.isclose(fx, fy, rtol=rtol, atol=atol):
            return False
    return True


def describe_exc(e):
    if e is None:
        return ""
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0][:300] if msg else ''}"


def first_verdict(jax_res, jt_res):
    """("both raised" | "JAX raised" | "jtrans raised" | "same", None) when that settles one
    example's comparison; else (None, (JAX's output, jtrans's output), normalised)."""
    (jout, jexc), (tout, texc) = jax_res, jt_res
    if jexc is not None or texc is not None:
        who = "both" if jexc is not None and texc is not None else "JAX" if jexc else "jtrans"
        return f"{who} raised", None
    a, b = normalise(jout), normalise(tout)
    if re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b):
        return "same", None
    return None, (a, b)
