"""Lowering entries still to be moved into their primitives' paragraphs (in progress: this
module goes away when they are all moved)."""

from ..lowering import fusion

# ---------------------------------------------------------------------------------------------
# control flow: native branches and loops around sub-programs (jtrans/lowering/control.py)

from ..lowering import control
from . import control_flow as cf

fusion.control_rules[cf.cond_p] = control.lower_cond
fusion.control_rules[cf.while_p] = control.lower_while
fusion.control_rules[cf.scan_p] = control.lower_scan

# ---------------------------------------------------------------------------------------------
# convolution as GEMMs over patches; the max-pool derivatives as native window loops
# (jtrans/lowering/conv.py)

from ..lowering import conv as lconv
from . import convolution as _conv

fusion.control_rules[_conv.conv_general_dilated_p] = lconv.conv_rule
fusion.fused_operand_prims.add(_conv.conv_general_dilated_p)
