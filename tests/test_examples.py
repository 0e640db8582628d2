"""Smoke tests: every example (and the demo) runs with --quick in a subprocess and prints what
it should."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = {
    "mlp_digits.py": "test accuracy",
    "per_example_clipping.py": "DP-SGD:",
    "hessian_newton.py": "Newton's method",
    "rnn_scan.py": "validation mse",
    "gaussian_process.py": "fitted log marginal likelihood",
}


def _run(args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_every_example_is_tested():
    assert {p.name for p in (ROOT / "examples").glob("*.py")} == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs(name, tmp_path):
    out = _run([str(ROOT / "examples" / name), "--quick"], tmp_path)
    assert EXAMPLES[name] in out


def test_hessian_newton_converges(tmp_path):
    out = _run([str(ROOT / "examples" / "hessian_newton.py"), "--quick"], tmp_path)
    last = [ln for ln in out.splitlines() if "|grad|" in ln][-1]
    assert float(last.split("|grad|")[1]) < 1e-8, out


def test_demo_quick(tmp_path):
    out = _run(["-m", "jtrans.demo", "--quick", "--out", str(tmp_path)], tmp_path)
    for marker in ("test accuracy", "per-example gradient norms", "6th order", "Timings"):
        assert marker in out, out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in out
    else:
        assert (tmp_path / "tanh_derivatives.png").stat().st_size > 1000


def test_demo_full_reaches_95_percent(tmp_path):  # the whole demo takes seconds with jit
    pytest.importorskip("sklearn")
    out = _run(["-m", "jtrans.demo", "--out", str(tmp_path)], tmp_path)
    acc = float(out.split("Test accuracy")[-1].strip().rstrip("%."))
    assert acc >= 95.0, out
    assert (tmp_path / "tanh_derivatives.png").exists() or "matplotlib is not installed" in out
