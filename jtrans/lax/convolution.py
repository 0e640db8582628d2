"""conv_general_dilated: N-d convolution with strides, padding, dilation and feature groups."""

__all__ = []
