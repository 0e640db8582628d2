"""Lowering entries still to be moved into their primitives' paragraphs (in progress: this
module goes away when they are all moved)."""

from ..lowering import fusion

# ---------------------------------------------------------------------------------------------
# convolution as GEMMs over patches; the max-pool derivatives as native window loops
# (jtrans/lowering/conv.py)

from ..lowering import conv as lconv
from . import convolution as _conv

fusion.control_rules[_conv.conv_general_dilated_p] = lconv.conv_rule
fusion.fused_operand_prims.add(_conv.conv_general_dilated_p)
