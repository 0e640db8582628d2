"""Lowering entries still to be moved into their primitives' paragraphs (in progress: this
module goes away when they are all moved)."""

from ..lowering import fusion
from . import linalg, reductions

# ---------------------------------------------------------------------------------------------
# reductions and GEMM

fusion.reduction_rules.update({reductions.reduce_sum_p: "add", reductions.reduce_max_p: "max",
                               reductions.reduce_min_p: "min", reductions.reduce_prod_p: "mul",
                               reductions.reduce_and_p: "and", reductions.reduce_or_p: "or"})  # fmt: skip


def _dot_general_gemm(in_avals, out_aval, dimension_numbers, precision=None,
                      preferred_element_type=None):  # fmt: skip
    return dimension_numbers


fusion.gemm_rules[linalg.dot_general_p] = _dot_general_gemm

# ---------------------------------------------------------------------------------------------
# control flow: native branches and loops around sub-programs (jtrans/lowering/control.py)

from ..lowering import control
from . import control_flow as cf

fusion.control_rules[cf.cond_p] = control.lower_cond
fusion.control_rules[cf.while_p] = control.lower_while
fusion.control_rules[cf.scan_p] = control.lower_scan

# ---------------------------------------------------------------------------------------------
# indexing: dynamic slices and gathers as index maps; scatter, cumulative reductions and
# argmax/argmin as native steps (jtrans/lowering/indexing.py)

from ..lowering import indexing as ix

_CUMULATIVE = {reductions.cumsum_p: "add", reductions.cumprod_p: "mul",
               reductions.cummax_p: "max", reductions.cummin_p: "min"}  # fmt: skip
for _p, _monoid in _CUMULATIVE.items():
    fusion.control_rules[_p] = ix.cumulative_rule(_monoid)
fusion.control_rules[reductions.argmax_p] = ix.arg_rule("max")
fusion.control_rules[reductions.argmin_p] = ix.arg_rule("min")
fusion.fused_operand_prims |= set(_CUMULATIVE) | {reductions.argmax_p, reductions.argmin_p}

fusion.control_rules[reductions.reduce_window_sum_p] = ix.reduce_window_rule("add", lambda d: 0)
fusion.control_rules[reductions.reduce_window_max_p] = ix.reduce_window_rule("max", ix.max_identity)
fusion.control_rules[reductions.reduce_window_min_p] = ix.reduce_window_rule("min", ix.min_identity)
fusion.fused_operand_prims |= {reductions.reduce_window_sum_p, reductions.reduce_window_max_p,
                               reductions.reduce_window_min_p}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# convolution as GEMMs over patches; the max-pool derivatives as native window loops
# (jtrans/lowering/conv.py)

from ..lowering import conv as lconv
from . import convolution as _conv

fusion.control_rules[_conv.conv_general_dilated_p] = lconv.conv_rule
fusion.control_rules[reductions.select_and_gather_add_p] = lconv.window_select_rule("gather")
fusion.control_rules[reductions.select_and_scatter_add_p] = lconv.window_select_rule("scatter")
fusion.fused_operand_prims |= {_conv.conv_general_dilated_p, reductions.select_and_gather_add_p,
                               reductions.select_and_scatter_add_p}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# sort: a native stable merge sort per row, operands gathered by the permutation
# (jtrans/lowering/sort.py)

from ..lowering import sort as lsort

fusion.control_rules[reductions.sort_p] = lsort.sort_rule
fusion.fused_operand_prims.add(reductions.sort_p)

fusion.control_rules[reductions.cumlogsumexp_p] = ix.cumlogsumexp_rule
fusion.fused_operand_prims.add(reductions.cumlogsumexp_p)
