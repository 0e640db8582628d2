"""JAX's own docstring examples as a differential test of jtrans (a developer script, not a test).

Collects the ``>>>`` examples from the docstrings of JAX's public callables (jax, jax.lax, jax.nn,
jax.nn.initializers, jax.random, jax.scipy.*, jax.tree_util, jax.tree, jax.flatten_util,
jax.image, jax.numpy.linalg, jax.numpy.fft; not jax.numpy itself), runs each docstring's examples
twice in fresh namespaces (once with JAX, once with every ``jax`` name rebound to ``jtrans``) and
compares what each example prints or returns, after normalising reprs, whitespace and numbers
(parsed numbers are compared with a tolerance).

    JAX_PLATFORMS=cpu python tools/docstring_diff.py [-k substring] [--out FILE] [--all]
        [--match-threefry]

Statuses: same, different (value: same text, numbers differ; text: the text differs),
jtrans raised, JAX raised, both raised. Details go to --out (default /tmp/docstring_diff.txt);
--all writes the examples that agree too. JAX is imported only here.
"""

import argparse
import collections
import contextlib
import doctest
import importlib
import os
import re
import signal
import sys
import types
import warnings

os.environ["JAX_PLATFORMS"] = "cpu"
# eight host devices, so pmap/mesh examples run in JAX as their docstrings assume
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax
import numpy as np

import jtrans

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _doctest_common import (  # noqa: E402
    _on_alarm,
    describe_exc,
    first_verdict,
    numbers_close,
    run_doc,
    to_jtrans,
)

warnings.filterwarnings("ignore")
np.seterr(all="ignore")

MODULES = [
    "jax",
    "jax.lax",
    "jax.nn",
    "jax.nn.initializers",
    "jax.random",
    "jax.scipy.special",
    "jax.scipy.stats",
    "jax.scipy.linalg",
    "jax.scipy.signal",
    "jax.tree_util",
    "jax.tree",
    "jax.flatten_util",
    "jax.image",
    "jax.numpy.linalg",
    "jax.numpy.fft",
]


# ---------------------------------------------------------------------------------------------
# collecting docstrings


def _public(mod):
    names = getattr(mod, "__all__", None) or dir(mod)
    return [n for n in names if not n.startswith("_") and hasattr(mod, n)]


def collect():
    """[(qualified name, docstring, public module name)] for every public callable (and public methods of public
    classes) whose docstring has examples; submodules of jax.scipy.stats are walked too."""
    parser = doctest.DocTestParser()
    seen, out = set(), []
    modname_of = [None]

    def add(qual, obj):
        doc = getattr(obj, "__doc__", None)
        if not isinstance(doc, str) or id(obj) in seen or ">>>" not in doc:
            return
        seen.add(id(obj))
        if parser.get_examples(doc):
            out.append((qual, doc, modname_of[0]))

    def walk(modname, mod):
        modname_of[0] = modname
        for name in _public(mod):
            obj = getattr(mod, name)
            if isinstance(obj, types.ModuleType):
                if modname == "jax.scipy.stats":
                    walk(f"{modname}.{name}", obj)
                    modname_of[0] = modname
                continue
            if not callable(obj):
                continue
            add(f"{modname}.{name}", obj)
            if isinstance(obj, type):
                for meth in vars(obj):
                    if not meth.startswith("_"):
                        add(f"{modname}.{name}.{meth}", getattr(obj, meth, None))

    for modname in MODULES:
        walk(modname, importlib.import_module(modname))
    return out


# ---------------------------------------------------------------------------------------------
# running examples


def _module_names(modname):
    try:
        mod = importlib.import_module(modname)
    except ImportError:
        return {}
    return {n: getattr(mod, n) for n in _public(mod)}


def fresh_namespace(lib, modname):
    """Doctest runs an example in its module's globals: give each side the public names of the
    public module the docstring comes from (and of the top level), then jax, jnp, lax, np."""
    if lib == "jax":
        import jax.numpy as jnp
        from jax import lax
    else:
        import jtrans.numpy as jnp
        from jtrans import lax

        modname = to_jtrans(modname)
    ns = _module_names(lib)
    ns.update(_module_names(modname))
    ns.update({"jax": jax if lib == "jax" else jtrans, "jnp": jnp, "lax": lax, "np": np})
    ns["jtrans"] = jtrans
    return ns


# jtrans options set for every docstring (--match-threefry)
_JTRANS_OPTIONS = {}


def reset_config():
    for mod in (jax, jtrans):
        for flag, val in (("jax_enable_x64", False), ("jax_numpy_rank_promotion", "allow")):
            with contextlib.suppress(Exception):
                mod.config.update(flag, val)
    for flag, val in _JTRANS_OPTIONS.items():
        jtrans.config.update(flag, val)


# ---------------------------------------------------------------------------------------------
# comparing outputs

# numbers (with sign, exponent, complex suffix, nan/inf) and identifiers, scanned left to right
# so a digit inside a name (float32) is never read as a number
TOKEN = re.compile(
    r"(?P<num>[-+]?(?:nan|inf)(?!\w)|[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?j?)"
    r"|(?P<id>[A-Za-z_]\w*)"
)


def split_numbers(text):
    """(text with each number replaced by # and whitespace removed, the numbers)."""
    nums, parts, pos = [], [], 0
    for m in TOKEN.finditer(text):
        if m.group("num") is not None:
            parts.append(text[pos : m.start()] + "#")
            nums.append(m.group("num"))
            pos = m.end()
    parts.append(text[pos:])
    return re.sub(r"\s+", "", "".join(parts)), nums


def compare(jax_res, jt_res):
    """A status string for one example."""
    verdict, texts = first_verdict(jax_res, jt_res)
    if verdict is not None:
        return verdict
    a, b = texts
    (sa, na), (sb, nb) = split_numbers(a), split_numbers(b)
    if sa == sb:
        return "same" if numbers_close(na, nb) else "different value"
    return "different text"


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only docstrings whose qualified name contains this")
    ap.add_argument("--out", default="/tmp/docstring_diff.txt")
    ap.add_argument("--all", action="store_true", help="write agreeing examples too")
    ap.add_argument(
        "--match-threefry",
        action="store_true",
        help="run jtrans with JAX's jax_threefry_partitionable setting (JAX's default is True)",
    )
    args = ap.parse_args()
    if args.match_threefry:
        _JTRANS_OPTIONS["jax_threefry_partitionable"] = bool(jax.config.jax_threefry_partitionable)
    signal.signal(signal.SIGALRM, _on_alarm)
    reset_config()

    docs = [(q, d, m) for q, d, m in collect() if args.k in q]
    counts = collections.Counter()
    per_module = collections.defaultdict(collections.Counter)
    lines = []
    cascades = 0  # disagreements after an earlier example of the docstring raised on one side
    for qual, doc, modname in docs:
        examples, jax_res = run_doc(doc, "jax", fresh_namespace("jax", modname), reset_config)
        _, jt_res = run_doc(doc, "jtrans", fresh_namespace("jtrans", modname), reset_config)
        module = qual.rsplit(".", 1)[0]
        diverged = False
        for i, (ex, jr, tr) in enumerate(zip(examples, jax_res, jt_res)):
            status = compare(jr, tr)
            note = " (after a divergence)" if diverged else ""
            diverged = diverged or status in ("jtrans raised", "JAX raised")
            counts[status] += 1
            per_module[module][status] += 1
            cascades += bool(note) and status != "same"
            if status == "same" and not args.all:
                continue
            skip = " (doctest SKIP)" if ex.options.get(doctest.SKIP) else ""
            lines.append(f"=== [{status}] {qual} #{i}{skip}{note}")
            lines.append("    " + ex.source.rstrip().replace("\n", "\n    "))
            lines.append(
                "  JAX:    "
                + (jr[0].rstrip() or describe_exc(jr[1])).replace("\n", "\n" + " " * 10)
            )
            if jr[1] is not None and jr[0].strip():
                lines.append("          " + describe_exc(jr[1]))
            lines.append(
                "  jtrans: "
                + (tr[0].rstrip() or describe_exc(tr[1])).replace("\n", "\n" + " " * 10)
            )
            if tr[1] is not None and tr[0].strip():
                lines.append("          " + describe_exc(tr[1]))
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")

    total = sum(counts.values())
    print(f"{len(docs)} docstrings, {total} examples")
    for mod, c in sorted(per_module.items()):
        print(f"  {mod:28s} " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items())))
    print("summary: " + ", ".join(f"{k}: {v}" for k, v in counts.most_common()))
    print(f"({cascades} of the disagreements follow an earlier divergence in their docstring)")
    print(f"details: {args.out}")


if __name__ == "__main__":
    main()
