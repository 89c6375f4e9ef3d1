"""The 2-D convolutions and poolings of upstream's OpDSL
(LinalgNamedStructuredOps.yaml): linalg.conv_2d_nchw_fchw,
linalg.conv_2d_nhwc_hwcf, linalg.depthwise_conv_2d_nchw_chw and
linalg.pooling_{nchw,nhwc}_{max,sum}.

Each window op reads its input at `out_index * stride + window_index *
dilation` along both spatial dimensions; `strides` and `dilations` are
optional `dense<...> : tensor<2xi64>` (or vector) properties, 1 when absent.
There is no padding: pad the input first (`tensor.pad`). The pooling ops
take the window as an operand whose shape gives the window's size and whose
values are never read, as upstream.
"""

from __future__ import annotations

from typing import Any, Sequence

from mlir_py.dialects.linalg.opdsl_base import OpDSLNamedOp

from mlir_py.definition.constraints import Predicate
from mlir_py.definition.opdef import opt_prop
from mlir_py.ir.affine_expr import AffineExpr, AffineMap, dim
from mlir_py.ir.builtin_attributes import DenseElementsAttr
from mlir_py.ir.builtin_types import RankedTensorType, VectorType, i64


def _is_i64_pair(a: Any) -> bool:
    t = getattr(a, "type", None)
    return (isinstance(a, DenseElementsAttr) and isinstance(t, (RankedTensorType, VectorType))
            and t.element_type is i64 and tuple(t.shape) == (2,))


#: ODS RankedI64ElementsAttr<[2]>
I64PairAttr = Predicate(_is_i64_pair, "64-bit signless int elements attribute of shape [2]")


def window_params(props: dict) -> tuple[list[int], list[int]]:
    """(strides, dilations) as two ints each, 1 when the property is absent."""
    out = []
    for key in ("strides", "dilations"):
        a = props.get(key)
        out.append([int(x) for x in a.array.reshape(-1).tolist()] if _is_i64_pair(a) else [1, 1])
    return out[0], out[1]


def _window(out_dim: int, win_dim: int, stride: int, dilation: int) -> AffineExpr:
    """out * stride + win * dilation, as upstream's OpDSL builds (and simplifies) it."""
    return dim(out_dim) * stride + dim(win_dim) * dilation


class _WindowOp(OpDSLNamedOp):
    """A window op: its maps follow from `layout` (which loops index what) and the strides/dilations."""

    num_inputs = 2
    strides = opt_prop(I64PairAttr)
    dilations = opt_prop(I64PairAttr)
    #: number of loops
    num_loops: int = 0
    #: iterator types
    iterators: Any = ()

    @classmethod
    def layout(cls, h, w) -> tuple[list, list, list]:
        """Input, window and output results, given the two spatial input expressions."""
        raise NotImplementedError

    @classmethod
    def check_parsed(cls, inputs, outputs, props) -> str | None:
        # upstream's custom parser checks the properties before it builds the body
        for key in ("dilations", "strides"):
            if key in props and not _is_i64_pair(props[key]):
                return (f"custom op '{cls.name}' '{cls.name}' op attribute '{key}' failed to satisfy constraint: "
                        f"{I64PairAttr.description}")
        return None

    @classmethod
    def default_maps(cls, types: Sequence[Any], props: dict) -> list[AffineMap]:
        (sh, sw), (dh, dw) = window_params(props)
        oh, ow, kh, kw = cls.spatial_dims
        ins, win, out = cls.layout(_window(oh, kh, sh, dh), _window(ow, kw, sw, dw))
        n = cls.num_loops
        return [AffineMap(n, 0, tuple(ins)), AffineMap(n, 0, tuple(win)), AffineMap(n, 0, tuple(out))]

    #: loops of (output h, output w, window h, window w)
    spatial_dims: tuple[int, int, int, int] = (0, 0, 0, 0)


def _conv_payload(b, args):
    x, w, acc = args
    return [b.add(acc, b.mul(b.cast(acc.type, x), b.cast(acc.type, w)))]


_CONV_ITERATORS = ("parallel",) * 4 + ("reduction",) * 3
_DW_POOL_ITERATORS = ("parallel",) * 4 + ("reduction",) * 2


class Conv2DNchwFchwOp(_WindowOp):
    """2-D convolution, input N x C x H x W, filter F x C x KH x KW, output
    N x F x OH x OW: O[n, f, oh, ow] += I[n, c, oh * SH + kh * DH, ow * SW +
    kw * DW] * K[f, c, kh, kw], inputs converted to the output's element type.

    ```mlir
    %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
           ins(%x, %w : tensor<1x3x9x9xf32>, tensor<8x3x3x3xf32>) outs(%o : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
    ```
    """

    name = "linalg.conv_2d_nchw_fchw"
    num_loops = 7  # n, f, oh, ow, c, kh, kw
    spatial_dims = (2, 3, 5, 6)
    iterators = _CONV_ITERATORS

    @classmethod
    def layout(cls, h, w):
        return [dim(0), dim(4), h, w], [dim(1), dim(4), dim(5), dim(6)], [dim(0), dim(1), dim(2), dim(3)]

    @classmethod
    def payload(cls, b, args, props):
        return _conv_payload(b, args)


class Conv2DNhwcHwcfOp(_WindowOp):
    """2-D convolution, input N x H x W x C, filter KH x KW x C x F, output
    N x OH x OW x F: O[n, oh, ow, f] += I[n, oh * SH + kh * DH, ow * SW + kw *
    DW, c] * K[kh, kw, c, f], inputs converted to the output's element type.

    ```mlir
    %0 = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x9x9x3xf32>, tensor<3x3x3x8xf32>)
           outs(%o : tensor<1x7x7x8xf32>) -> tensor<1x7x7x8xf32>
    ```
    """

    name = "linalg.conv_2d_nhwc_hwcf"
    num_loops = 7  # n, oh, ow, f, kh, kw, c
    spatial_dims = (1, 2, 4, 5)
    iterators = _CONV_ITERATORS

    @classmethod
    def layout(cls, h, w):
        return [dim(0), h, w, dim(6)], [dim(4), dim(5), dim(6), dim(3)], [dim(0), dim(1), dim(2), dim(3)]

    @classmethod
    def payload(cls, b, args, props):
        return _conv_payload(b, args)


class DepthwiseConv2DNchwChwOp(_WindowOp):
    """Depthwise 2-D convolution (one filter per channel), input N x C x H x W,
    filter C x KH x KW, output N x C x OH x OW: O[n, c, oh, ow] += I[n, c, oh *
    SH + kh * DH, ow * SW + kw * DW] * K[c, kh, kw].

    ```mlir
    %0 = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
           ins(%x, %w : tensor<1x3x9x9xf32>, tensor<3x3x3xf32>) outs(%o : tensor<1x3x7x7xf32>) -> tensor<1x3x7x7xf32>
    ```
    """

    name = "linalg.depthwise_conv_2d_nchw_chw"
    num_loops = 6  # n, oh, ow, c, kh, kw
    spatial_dims = (1, 2, 4, 5)
    iterators = _DW_POOL_ITERATORS

    @classmethod
    def layout(cls, h, w):
        return [dim(0), dim(3), h, w], [dim(3), dim(4), dim(5)], [dim(0), dim(3), dim(1), dim(2)]

    @classmethod
    def payload(cls, b, args, props):
        return _conv_payload(b, args)


class _PoolingNchw(_WindowOp):
    num_loops = 6  # n, c, oh, ow, kh, kw
    spatial_dims = (2, 3, 4, 5)
    iterators = _DW_POOL_ITERATORS

    @classmethod
    def layout(cls, h, w):
        return [dim(0), dim(1), h, w], [dim(4), dim(5)], [dim(0), dim(1), dim(2), dim(3)]


class _PoolingNhwc(_WindowOp):
    num_loops = 6  # n, oh, ow, c, kh, kw
    spatial_dims = (1, 2, 4, 5)
    iterators = _DW_POOL_ITERATORS

    @classmethod
    def layout(cls, h, w):
        return [dim(0), h, w, dim(3)], [dim(4), dim(5)], [dim(0), dim(1), dim(2), dim(3)]


def _pool_payload(b, args, fn: str):
    x, _window_elem, acc = args
    return [b.binary(fn, acc, b.cast(acc.type, x))]


class PoolingNchwMaxOp(_PoolingNchw):
    """Max pooling, input N x C x H x W, window KH x KW (only its shape is
    used), output N x C x OH x OW: O[n, c, oh, ow] = max(O[n, c, oh, ow], I[n,
    c, oh * SH + kh * DH, ow * SW + kw * DW]); initialize O with the lowest value.

    ```mlir
    %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
           ins(%x, %win : tensor<1x3x8x8xf32>, tensor<2x2xf32>) outs(%o : tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
    ```
    """

    name = "linalg.pooling_nchw_max"

    @classmethod
    def payload(cls, b, args, props):
        return _pool_payload(b, args, "max_signed")


class PoolingNchwSumOp(_PoolingNchw):
    """Sum pooling in NCHW (divide by the window size afterwards for an
    average): O[n, c, oh, ow] += I[n, c, oh * SH + kh * DH, ow * SW + kw * DW].

    ```mlir
    %0 = linalg.pooling_nchw_sum ins(%x, %win : tensor<1x3x9x9xf32>, tensor<3x3xf32>)
           outs(%o : tensor<1x3x7x7xf32>) -> tensor<1x3x7x7xf32>
    ```
    """

    name = "linalg.pooling_nchw_sum"

    @classmethod
    def payload(cls, b, args, props):
        return _pool_payload(b, args, "add")


class PoolingNhwcMaxOp(_PoolingNhwc):
    """Max pooling in NHWC: O[n, oh, ow, c] = max(O[n, oh, ow, c], I[n, oh * SH
    + kh * DH, ow * SW + kw * DW, c]); the window operand gives KH x KW.

    ```mlir
    %0 = linalg.pooling_nhwc_max ins(%x, %win : tensor<1x9x9x3xf32>, tensor<3x3xf32>)
           outs(%o : tensor<1x7x7x3xf32>) -> tensor<1x7x7x3xf32>
    ```
    """

    name = "linalg.pooling_nhwc_max"

    @classmethod
    def payload(cls, b, args, props):
        return _pool_payload(b, args, "max_signed")


class PoolingNhwcSumOp(_PoolingNhwc):
    """Sum pooling in NHWC: O[n, oh, ow, c] += I[n, oh * SH + kh * DH, ow * SW
    + kw * DW, c].

    ```mlir
    linalg.pooling_nhwc_sum ins(%x, %win : memref<1x9x9x3xf32>, memref<3x3xf32>) outs(%o : memref<1x7x7x3xf32>)
    ```
    """

    name = "linalg.pooling_nhwc_sum"

    @classmethod
    def payload(cls, b, args, props):
        return _pool_payload(b, args, "add")


OPS = [Conv2DNchwFchwOp, Conv2DNhwcHwcfOp, DepthwiseConv2DNchwChwOp, PoolingNchwMaxOp, PoolingNchwSumOp,
       PoolingNhwcMaxOp, PoolingNhwcSumOp]

__all__ = ["Conv2DNchwFchwOp", "Conv2DNhwcHwcfOp", "DepthwiseConv2DNchwChwOp", "I64PairAttr", "PoolingNchwMaxOp",
           "PoolingNchwSumOp", "PoolingNhwcMaxOp", "PoolingNhwcSumOp", "window_params"]
