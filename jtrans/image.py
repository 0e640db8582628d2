"""`jtrans.image`: image resampling, as `jax.image`.

Every method except nearest is a separable linear map: for each resized dimension a weight
matrix W [in, out] (a kernel evaluated at the distances between input pixel centres and the
output pixels' sample positions, each column normalised to sum to one) is contracted with the
image along that dimension. When downsampling with `antialias`, the kernel is widened by the
inverse scale, so it low-pass filters as it interpolates. Written with jtrans.numpy only, so
resizing is differentiable (in the image, the scale and the translation), batchable and jittable.
"""

import enum

import numpy as np

from . import core, dtypes
from . import numpy as jnp
from .errors import JTransValueError

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]


class ResizeMethod(enum.Enum):
    """The resampling methods: NEAREST, LINEAR (triangle kernel), LANCZOS3, LANCZOS5 (Lanczos
    kernels of radius 3 and 5), CUBIC (Keys cubic, a = -0.5), CUBIC_PYTORCH (a = -0.75 with
    edge padding when not antialiasing, as PyTorch's bicubic) and AREA (the average over each
    output pixel's footprint)."""

    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4
    CUBIC_PYTORCH = 5
    AREA = 6

    @staticmethod
    def from_string(s):
        for names, method in _NAMES:
            if s in names:
                return method
        raise JTransValueError(
            f'Unknown resize method "{s}"; use one of '
            + ", ".join(repr(n) for names, _ in _NAMES for n in names)
        )


_NAMES = [
    (("nearest",), ResizeMethod.NEAREST),
    (("linear", "bilinear", "trilinear", "triangle"), ResizeMethod.LINEAR),
    (("lanczos3",), ResizeMethod.LANCZOS3),
    (("lanczos5",), ResizeMethod.LANCZOS5),
    (("cubic", "bicubic", "tricubic"), ResizeMethod.CUBIC),
    (("cubic-pytorch", "bicubic-pytorch"), ResizeMethod.CUBIC_PYTORCH),
    (("area",), ResizeMethod.AREA),
]


# ---------------------------------------------------------------------------------------------
# kernels: functions of the distance |x| >= 0 (in input pixels, already divided by the
# antialiasing widening)


def _triangle(x):
    return jnp.maximum(0.0, 1.0 - x)


def _cubic(a):
    """Keys' cubic convolution kernel with parameter a."""

    def kernel(x):
        inner = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0  # |x| < 1
        outer = ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a  # 1 <= |x| < 2
        return jnp.where(x >= 2.0, 0.0, jnp.where(x >= 1.0, outer, inner))

    return kernel


def _lanczos(radius):
    """sinc(x) sinc(x / radius) for |x| <= radius, 0 beyond."""

    def kernel(x):
        num = radius * jnp.sin(np.pi * x) * jnp.sin(np.pi * x / radius)
        small = x <= 1e-3
        out = jnp.where(small, 1.0, num / jnp.where(small, 1.0, np.pi**2 * x * x))
        return jnp.where(x > radius, 0.0, out)

    return kernel


_AREA = "area"  # not a kernel: the overlap of the pixel footprints

# method -> (radius, kernel)
_KERNELS = {
    ResizeMethod.LINEAR: (1, _triangle),
    ResizeMethod.LANCZOS3: (3, _lanczos(3.0)),
    ResizeMethod.LANCZOS5: (5, _lanczos(5.0)),
    ResizeMethod.CUBIC: (2, _cubic(-0.5)),
    ResizeMethod.CUBIC_PYTORCH: (2, _cubic(-0.75)),
    ResizeMethod.AREA: (1, _AREA),
}


def _weight_matrix(in_size, out_size, scale, translation, kernel, antialias, edge_pad, radius):
    """W [in_size, out_size]: output pixel j samples the input at
    (j + 0.5 - translation) / scale - 0.5 (pixel centres at integer + 0.5); column j holds the
    normalised kernel weights of the input pixels for it."""
    dt = dtypes.result_type(scale, translation)
    inv_scale = 1.0 / scale
    j = jnp.arange(out_size, dtype=dt)
    sample = (j + 0.5) * inv_scale - translation * inv_scale - 0.5
    widen = jnp.maximum(inv_scale, 1.0) if antialias else 1.0
    # edge padding (PyTorch's bicubic, never antialiased): pixels beyond the edge repeat the
    # edge pixel, so the kernel also reaches `radius` pixels past each end, folded back onto
    # the edge pixels below
    k = radius if edge_pad else 0
    idx = jnp.arange(-k, in_size + k, dtype=dt)
    if kernel is _AREA:
        # the length of the overlap of output pixel j's footprint [j, j + 1) / scale (shifted)
        # with input pixel i's [i, i + 1)
        lo = j * inv_scale - translation * inv_scale
        hi = lo + inv_scale
        w = jnp.maximum(0.0, jnp.minimum(hi[None, :], idx[:, None] + 1.0)
                        - jnp.maximum(lo[None, :], idx[:, None]))  # fmt: skip
    else:
        w = kernel(jnp.abs(sample[None, :] - idx[:, None]) / widen)
    if edge_pad:
        fold = np.zeros((in_size, in_size + 2 * k), np.float32)
        fold[np.clip(np.arange(-k, in_size + k), 0, in_size - 1), np.arange(in_size + 2 * k)] = 1
        w = jnp.matmul(jnp.asarray(fold, w.dtype), w)
    total = jnp.sum(w, axis=0, keepdims=True)
    ok = jnp.abs(total) > 1000.0 * float(np.finfo(np.float32).eps)
    w = jnp.where(ok, w / jnp.where(total != 0, total, 1.0), 0.0)
    if not edge_pad:
        # a sample position outside the image gets no value (zero)
        inside = jnp.logical_and(sample >= -0.5, sample <= in_size - 0.5)
        w = jnp.where(inside[None, :], w, 0.0)
    return w


def _check_shape(image, shape, who):
    shape = tuple(int(core.concrete_or_error(d, f"{who}'s shape")) for d in shape)
    if len(shape) != image.ndim:
        raise JTransValueError(
            f"{who}: shape must have one entry per dimension of the image; got shape {shape} "
            f"for an image of shape {image.shape}"
        )
    return shape


def _method(method):
    if isinstance(method, str):
        return ResizeMethod.from_string(method)
    if not isinstance(method, ResizeMethod):
        raise JTransValueError(f"resize method must be a string or ResizeMethod, got {method!r}")
    return method


def _float_image(image):
    image = jnp.asarray(image)
    return image.astype(dtypes.to_inexact_dtype(image.dtype))


def _scale_and_translate(x, shape, spatial_dims, scale, translation, method, antialias):
    if method == ResizeMethod.CUBIC_PYTORCH and antialias:
        method = ResizeMethod.CUBIC
    radius, kernel = _KERNELS[method]
    edge_pad = method == ResizeMethod.CUBIC_PYTORCH
    for i, d in enumerate(spatial_dims):
        w = _weight_matrix(x.shape[d], shape[d], scale[i], translation[i], kernel, antialias,
                           edge_pad, radius).astype(x.dtype)  # fmt: skip
        x = jnp.moveaxis(jnp.tensordot(x, w, axes=([d], [0])), -1, d)
    return x


def scale_and_translate(image, shape, spatial_dims, scale, translation, method,
                        antialias=True, precision=None):  # fmt: skip
    """Resamples `image` to `shape`: along spatial_dims[i], input position y maps to output
    position y * scale[i] + translation[i] (pixel centres at integer + 0.5; the inverse map
    gives each output pixel's sample position, and samples outside the input are zero).
    `method` is any ResizeMethod but NEAREST; with antialias, downsampling widens the kernel
    by 1 / scale. `precision` is accepted for JAX compatibility (jtrans computes in the
    image's floating dtype)."""
    del precision
    image = _float_image(image)
    shape = _check_shape(image, shape, "scale_and_translate")
    method = _method(method)
    if method == ResizeMethod.NEAREST:
        raise JTransValueError(
            "scale_and_translate: nearest-neighbour resampling is not supported (use resize "
            "with method='nearest', or 'linear')"
        )
    spatial_dims = tuple(d % image.ndim for d in spatial_dims)
    scale = jnp.asarray(scale)
    translation = jnp.asarray(translation)
    ft = dtypes.result_type(scale, translation, 0.0)
    scale, translation = scale.astype(ft), translation.astype(ft)
    if scale.shape != (len(spatial_dims),) or translation.shape != (len(spatial_dims),):
        raise JTransValueError(
            f"scale_and_translate: scale and translation need one entry per spatial dimension "
            f"({len(spatial_dims)}), got shapes {scale.shape} and {translation.shape}"
        )
    for d in range(image.ndim):
        if d not in spatial_dims and shape[d] != image.shape[d]:
            raise JTransValueError(
                f"scale_and_translate: dimension {d} is not spatial, so its size must stay "
                f"{image.shape[d]}; got {shape[d]}"
            )
    return _scale_and_translate(image, shape, spatial_dims, scale, translation, method,
                                antialias)  # fmt: skip


def _resize_nearest(x, shape):
    for d in range(x.ndim):
        m, n = x.shape[d], shape[d]
        if m == n:
            continue
        # output pixel j takes input pixel floor((j + 0.5) m / n), in float32 as JAX does
        pos = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * np.float32(m) / np.float32(n)
        idx = np.floor(pos).astype(np.int32)
        x = jnp.take(x, jnp.asarray(idx), axis=d)
    return x


def resize(image, shape, method, antialias=True, precision=None):
    """Resizes `image` to `shape` (one entry per dimension; batch and channel dimensions keep
    their size) by `method`: 'nearest', 'linear'/'bilinear'/'trilinear', 'cubic'/'bicubic',
    'lanczos3', 'lanczos5', 'cubic-pytorch', 'area' or a ResizeMethod. Pixel centres are at
    integer + 0.5 (half-pixel centres, no corner alignment). With antialias (the default),
    downsampling low-pass filters; it has no effect when upsampling."""
    del precision
    method = _method(method)
    image = jnp.asarray(image)
    shape = _check_shape(image, shape, "resize")
    if method == ResizeMethod.NEAREST:
        return _resize_nearest(image, shape)
    image = _float_image(image)
    dims = tuple(d for d in range(image.ndim) if image.shape[d] != shape[d])
    scale = [1.0 if shape[d] == 0 else shape[d] / image.shape[d] for d in dims]
    return _scale_and_translate(image, shape, dims, scale, [0.0] * len(dims), method, antialias)
