"""jax.numpy's own docstring examples as a differential test of jtrans.numpy (a developer script).

Collects the ``>>>`` examples from the docstrings of jax.numpy's public callables (not its
linalg/fft submodules: tools/docstring_diff.py covers those) and of the public methods and
properties of ``jax.Array`` (``at``, ``view``, ...), runs each docstring's examples twice in fresh
namespaces (once with JAX as written; once with ``jnp`` bound to jtrans.numpy, ``jax`` to jtrans,
``lax`` to jtrans.lax, so ``jax.random`` is jtrans.random) and compares what each example prints
or returns, after normalising whitespace and number formatting (parsed numbers are compared with a
tolerance).

    JAX_PLATFORMS=cpu python tools/jnp_docstring_diff.py [-k substring] [--out FILE] [--all]

Statuses, per example:
  same              identical text after whitespace normalisation
  same numbers      same text skeleton, numbers equal within tolerance but formatted differently
  different value   same text skeleton, numbers differ
  different dtype   the outputs differ only in ``dtype=``/``weak_type=`` annotations
  different repr    the same numbers in the same order, but the text around them differs
  different text    anything else
  jtrans raised / JAX raised / both raised
Details go to --out (default /tmp/jnp_docstring_diff.txt); --all writes identical examples too.
Both sides run with JAX's `jax_threefry_partitionable` setting, so random examples draw the same
bits (a note is printed when jtrans's default differs).
JAX is imported only here.
"""

import argparse
import collections
import contextlib
import doctest
import os
import re
import signal
import sys
import tempfile
import types
import warnings

os.environ["JAX_PLATFORMS"] = "cpu"
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax
import jax.numpy
import numpy as np

import jtrans

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _doctest_common import (  # noqa: E402
    _on_alarm,
    describe_exc,
    first_verdict,
    numbers_close,
    run_doc,
)
import jtrans.numpy

warnings.filterwarnings("ignore")
np.seterr(all="ignore")


# ---------------------------------------------------------------------------------------------
# collecting docstrings


def collect():
    """[(qualified name, docstring)] for every public callable of jax.numpy and every public
    attribute of jax.Array whose docstring has examples (aliases sharing one object once)."""
    parser = doctest.DocTestParser()
    seen, out = set(), []

    def add(qual, obj):
        doc = getattr(obj, "__doc__", None)
        if not isinstance(doc, str) or id(obj) in seen or ">>>" not in doc:
            return
        seen.add(id(obj))
        if parser.get_examples(doc):
            out.append((qual, doc))

    for name in sorted(dir(jax.numpy)):
        if name.startswith("_"):
            continue
        obj = getattr(jax.numpy, name)
        if isinstance(obj, types.ModuleType) or not callable(obj):
            continue
        add(f"jnp.{name}", obj)
        if isinstance(obj, type) and obj.__module__.startswith("jax"):  # jnp.ufunc's methods
            for meth in sorted(vars(obj)):
                if not meth.startswith("_"):
                    add(f"jnp.{name}.{meth}", getattr(obj, meth, None))
    for name in sorted(dir(jax.Array)):
        if name.startswith("_"):
            continue
        obj = jax.Array.__dict__.get(name, getattr(jax.Array, name, None))
        if isinstance(obj, property):
            obj = obj.fget
        add(f"jax.Array.{name}", obj)
    return out


# ---------------------------------------------------------------------------------------------
# running examples


def fresh_namespace(lib):
    """The names JAX's doctests assume: jax, jnp, lax, np, and (as doctest runs an example in
    its defining module's globals, which hold them) the public names of jnp, nan and inf."""
    if lib == "jax":
        import jax.numpy as jnp
        from jax import lax
    else:
        import jtrans.numpy as jnp
        from jtrans import lax
    ns = {n: getattr(jnp, n) for n in dir(jnp) if not n.startswith("_")}
    ns.update({"nan": np.nan, "inf": np.inf})
    ns.update({"jax": jax if lib == "jax" else jtrans, "jnp": jnp, "lax": lax, "np": np})
    ns["jtrans"] = jtrans
    return ns


# Random examples compare bits only under one threefry scheme: jtrans follows JAX's flag, whose
# default may differ from jtrans's (main() prints a note when it does).
PARTITIONABLE = bool(jax.config.jax_threefry_partitionable)


def reset_config():
    for mod in (jax, jtrans):
        for flag, val in (
            ("jax_enable_x64", False),
            ("jax_numpy_rank_promotion", "allow"),
            ("jax_threefry_partitionable", PARTITIONABLE),
        ):
            with contextlib.suppress(Exception):
                mod.config.update(flag, val)
    np.set_printoptions()


# ---------------------------------------------------------------------------------------------
# comparing outputs

NUM = re.compile(
    r"(?<![\w.])[-+]?(?:(?:\d+\.\d*|\.\d+|\d+)(?:e[-+]?\d+)?|nan|inf)(?:j)?(?![\w])", re.IGNORECASE
)
COMPLEX = re.compile(r"\(?([-+]?[\d.e+-]+|nan|inf)([-+](?:[\d.e+-]+|nan|inf))j\)?", re.IGNORECASE)
ANNOT = re.compile(r",\s*(dtype=[\w\[\], ]+?|weak_type=True)(?=[,)])")


def split_numbers(text):
    text = COMPLEX.sub(lambda m: f"{m.group(1)} {m.group(2)}j", text)
    nums = [m.group(0) for m in NUM.finditer(text)]
    skeleton = re.sub(r"\s+", "", NUM.sub("#", text))
    return skeleton, nums


def compare(jax_res, jt_res):
    """A status string for one example."""
    verdict, texts = first_verdict(jax_res, jt_res)
    if verdict is not None:
        return verdict
    a, b = texts
    (sa, na), (sb, nb) = split_numbers(a), split_numbers(b)
    if sa == sb:
        return "same numbers" if numbers_close(na, nb) else "different value"
    (sa2, na2), (sb2, nb2) = split_numbers(ANNOT.sub("", a)), split_numbers(ANNOT.sub("", b))
    if sa2 == sb2 and numbers_close(na2, nb2):
        return "different dtype"
    if numbers_close(na, nb):
        return "different repr"
    return "different text"


# ---------------------------------------------------------------------------------------------

AGREE = ("same", "same numbers")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only docstrings whose qualified name contains this")
    ap.add_argument("--out", default="/tmp/jnp_docstring_diff.txt")
    ap.add_argument("--all", action="store_true", help="write agreeing examples too")
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    signal.signal(signal.SIGALRM, _on_alarm)
    jt_default = bool(jtrans.config.jax_threefry_partitionable)
    if jt_default != PARTITIONABLE:
        print(
            f"note: jax_threefry_partitionable defaults to {PARTITIONABLE} in JAX but"
            f" {jt_default} in jtrans; both run with {PARTITIONABLE} here"
        )
    reset_config()
    os.chdir(tempfile.mkdtemp(prefix="jnp_docstring_diff_"))  # examples write files (jnp.save)

    keys = args.k.split(",")
    docs = [(q, d) for q, d in collect() if any(k in q for k in keys)]
    counts = collections.Counter()
    per_doc = {}
    lines = []
    for qual, doc in docs:
        examples, jax_res = run_doc(doc, "jax", fresh_namespace("jax"), reset_config)
        _, jt_res = run_doc(doc, "jtrans", fresh_namespace("jtrans"), reset_config)
        c = per_doc[qual] = collections.Counter()
        for i, (ex, jr, tr) in enumerate(zip(examples, jax_res, jt_res)):
            status = compare(jr, tr)
            counts[status] += 1
            c[status] += 1
            if status == "same" and not args.all:
                continue
            skip = " (doctest SKIP)" if ex.options.get(doctest.SKIP) else ""
            lines.append(f"=== [{status}] {qual} #{i}{skip}")
            lines.append("    " + ex.source.rstrip().replace("\n", "\n    "))
            for label, (out, exc) in (("JAX:    ", jr), ("jtrans: ", tr)):
                lines.append(
                    "  "
                    + label
                    + (out.rstrip() or describe_exc(exc)).replace("\n", "\n" + " " * 10)
                )
                if exc is not None and out.strip():
                    lines.append("          " + describe_exc(exc))
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
        f.write("\n# per docstring (those with a disagreement)\n")
        for qual, c in per_doc.items():
            if set(c) - set(AGREE):
                f.write(
                    f"{qual:32s} " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) + "\n"
                )

    total = sum(counts.values())
    n_ok = sum(1 for c in per_doc.values() if not set(c) - set(AGREE))
    print(f"{len(docs)} docstrings ({n_ok} agree fully), {total} examples")
    print("summary: " + ", ".join(f"{k}: {v}" for k, v in counts.most_common()))
    print(f"details: {args.out}")


if __name__ == "__main__":
    main()
