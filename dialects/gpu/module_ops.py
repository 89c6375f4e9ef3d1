"""Device code containers: gpu.module (a separately compiled unit, with its targets), gpu.func
(a kernel or device function with workgroup/private memory attributions) and gpu.return.

A `gpu.func` body's entry block takes the function's arguments, then one memref per
workgroup attribution, then one per private attribution; `workgroup_attributions` counts the
former (the rest are private).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from mlir_py.dialects.func.function_interface import (
    dict_array,
    parse_function_signature,
    print_function_signature,
)
from mlir_py.dialects.gpu.attributes import PRIVATE, WORKGROUP, AddressSpaceAttr

from mlir_py.builtin.constraints import AnyArrayAttr, DenseArrayOf, FunctionTypeAttr, StrAttr, UnitAttrC
from mlir_py.definition.constraints import AnyAttr, AnyType, BaseAttr, Predicate
from mlir_py.definition.opdef import Op, opt_prop, prop, region, var_operand
from mlir_py.definition.traits import (
    AutomaticAllocationScope,
    CallableOpInterface,
    HasOnlyGraphRegion,
    HasParent,
    IsolatedFromAbove,
    NoTerminator,
    Pure,
    ReturnLike,
    SingleBlock,
    Symbol,
    SymbolTable,
    Terminator,
)
from mlir_py.ir.builtin_attributes import ArrayAttr, DenseArrayAttr, IntegerAttr, StringAttr, TypeAttr, UnitAttr
from mlir_py.ir.builtin_types import FunctionType, IntegerType, MemRefType, i32
from mlir_py.ir.operation import Block, Operation, Region, Value

if TYPE_CHECKING:
    from mlir_py.text.parser import Parser
    from mlir_py.text.printer import Printer

I64 = IntegerType(64)
DictArrayAttr = BaseAttr(ArrayAttr, description="Array of dictionary attributes")
DenseI32Array = DenseArrayOf(i32, "i32 dense array attribute")
#: known_block_size / known_grid_size
LaunchSizeArray = Predicate(lambda a: isinstance(a, DenseArrayAttr) and a.element_type is i32 and len(a.values) == 3
                            and all(v >= 1 for v in a.values),
                            "i32 dense array attribute with 3 elements (if present) and all elements >= 1")
NonNegI64Attr = Predicate(lambda a: isinstance(a, IntegerAttr) and a.type is I64 and a.value >= 0,
                          "64-bit signless integer attribute whose minimum value is 0")


# -- memory attributions (shared with gpu.launch) ----------------------------------


def parse_attributions(parser: Parser, keyword: str, *, allow_attrs: bool = False) -> tuple[list, list[dict]]:
    """`keyword(%a : memref<...> {attrs}, ...)` if the keyword is there: ([(operand, type, loc)], [attrs])."""
    if not parser.parse_optional_keyword(keyword):
        return [], []
    args: list = []
    attrs: list[dict] = []
    parser.expect("(")
    if not parser.parse_optional(")"):
        while True:
            u, t, a, loc = parser.parse_argument(allow_attrs=allow_attrs)
            args.append((u, t, loc))
            attrs.append(a)
            if not parser.parse_optional(","):
                break
        parser.expect(")")
    return args, attrs


def print_attributions(printer: Printer, keyword: str, values: Sequence[Value], attrs: Any = None) -> None:
    """` keyword(%a : memref<...> {attrs}, ...)`, nothing when there are none."""
    if not values:
        return
    printer.write(f" {keyword}(")
    for i, v in enumerate(values):
        if i:
            printer.write(", ")
        printer.print_operand(v)
        printer.write(" : ")
        printer.print_type(v.type)
        if attrs is not None and i < len(attrs):
            printer.print_optional_attr_dict(dict(attrs[i].entries))
    printer.write(")")


def verify_attributions(op: Operation, values: Sequence[Value], space: AddressSpaceAttr) -> str | None:
    """Attributions are memrefs; a `#gpu.address_space` memory space must be the expected one."""
    for v in values:
        t = v.type
        if not isinstance(t, MemRefType):
            return "expected memref type in attribution"
        ms = t.memory_space
        if isinstance(ms, AddressSpaceAttr) and ms is not space:
            return f"expected memory space {space.case_names[0]} in attribution"
    return None


# -- gpu.module ------------------------------------------------------------------------


class GPUModuleOp(Op):
    """A module of device code, compiled separately from the host code around it; `targets`
    (e.g. `#nvvm.target<chip = "sm_80">`) say what to compile it for.

    ```mlir
    gpu.module @kernels [#nvvm.target<chip = "sm_80">] {
      gpu.func @k() kernel {
        gpu.return
      }
    }
    ```
    """

    name = "gpu.module"
    traits = [IsolatedFromAbove, SymbolTable, Symbol, NoTerminator, SingleBlock, HasOnlyGraphRegion]
    sym_name = prop(StrAttr)
    targets = opt_prop(AnyArrayAttr)
    offloadingHandler = opt_prop(AnyAttr)
    bodyRegion = region()

    @classmethod
    def build(cls, sym_name: str, targets: Sequence[Any] | None = None, *, location: Any = None) -> GPUModuleOp:
        """An empty module (one empty block) named `@sym_name`."""
        props: dict[str, Any] = {"sym_name": StringAttr(sym_name)}
        if targets is not None:
            props["targets"] = ArrayAttr(tuple(targets))
        return cls.create(properties=props, regions=[Region([Block()])], location=location)

    @property
    def block(self) -> Block:
        """The body block, where the module's functions go."""
        return self.regions[0].first_block

    @property
    def sym_name_str(self) -> str:
        return self.properties["sym_name"].value

    @classmethod
    def parse(cls, parser: Parser) -> GPUModuleOp:
        props: dict[str, Any] = {"sym_name": StringAttr(parser.parse_symbol_name())}
        if parser.parse_optional("<"):
            props["offloadingHandler"] = parser.parse_attribute()
            parser.expect(">")
        if parser.peek("["):
            props["targets"] = parser.parse_attribute()
        attrs = parser.parse_optional_attr_dict_with_keyword()
        for k in ("targets", "offloadingHandler"):
            if k in attrs:
                props[k] = attrs.pop(k)
        r = parser.parse_region(isolated=True)
        if r.is_empty():
            r.append(Block())
        return cls.create(properties=props, attributes=attrs, regions=[r])

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_symbol_name(self.sym_name_str)
        h = self.properties.get("offloadingHandler")
        if h is not None:
            printer.write("<")
            printer.print_attribute(h)
            printer.write(">")
        t = self.properties.get("targets")
        if t is not None:
            printer.write(" ")
            printer.print_attribute(t)
        printer.print_optional_attr_dict_with_keyword(self.attributes)
        printer.write(" ")
        printer.print_region(self.regions[0], print_entry_block_args=False, print_block_terminators=False)

    def verify_(self) -> str | None:
        if self.regions[0].num_blocks() != 1:
            return "region #0 ('bodyRegion') failed to verify constraint: region with 1 blocks"
        t = self.properties.get("targets")
        if t is not None and not len(t):
            return "attribute 'targets' failed to satisfy constraint: array of GPU target attributes with at " \
                   "least 1 elements"
        return None


# -- gpu.func ---------------------------------------------------------------------------


class GPUFuncOp(Op):
    """A function executed by every work item of a launch: a `kernel` the host launches with
    `gpu.launch_func`, or a device function. `workgroup(...)` buffers are shared by the work
    items of a workgroup, `private(...)` buffers belong to one work item; both live while the
    function runs. `known_block_size` / `known_grid_size` promise the launch sizes.

    ```mlir
    gpu.func @k(%arg0: memref<?xf32>) workgroup(%arg1 : memref<32xf32, #gpu.address_space<workgroup>>)
        kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      gpu.return
    }
    ```
    """

    name = "gpu.func"
    traits = [HasParent("gpu.module"), AutomaticAllocationScope, CallableOpInterface, IsolatedFromAbove, Symbol]
    sym_name = prop(StrAttr)
    function_type = prop(FunctionTypeAttr)
    arg_attrs = opt_prop(DictArrayAttr)
    res_attrs = opt_prop(DictArrayAttr)
    workgroup_attrib_attrs = opt_prop(DictArrayAttr)
    private_attrib_attrs = opt_prop(DictArrayAttr)
    kernel = opt_prop(UnitAttrC)
    known_block_size = opt_prop(LaunchSizeArray)
    known_grid_size = opt_prop(LaunchSizeArray)
    workgroup_attributions = opt_prop(NonNegI64Attr)
    body = region()

    @classmethod
    def build(cls, sym_name: str, function_type: FunctionType, *, workgroup: Sequence[Any] = (),
              private: Sequence[Any] = (), kernel: bool = False, known_block_size: Sequence[int] | None = None,
              known_grid_size: Sequence[int] | None = None, location: Any = None) -> GPUFuncOp:
        """A function whose entry block takes the signature's arguments, then one value per
        `workgroup` and `private` memref type; the caller fills the body and ends it with
        `gpu.return`."""
        props: dict[str, Any] = {"sym_name": StringAttr(sym_name), "function_type": TypeAttr(function_type)}
        if workgroup:
            props["workgroup_attributions"] = IntegerAttr(len(workgroup), I64)
        if kernel:
            props["kernel"] = UnitAttr()
        if known_block_size is not None:
            props["known_block_size"] = DenseArrayAttr(i32, tuple(known_block_size))
        if known_grid_size is not None:
            props["known_grid_size"] = DenseArrayAttr(i32, tuple(known_grid_size))
        block = Block(list(function_type.inputs) + list(workgroup) + list(private))
        return cls.create(properties=props, regions=[Region([block])], location=location)

    # -- accessors ---------------------------------------------------------------

    @property
    def sym_name_str(self) -> str:
        return self.properties["sym_name"].value

    @property
    def type(self) -> FunctionType:
        return self.properties["function_type"].value

    @property
    def entry_block(self) -> Block:
        b = self.regions[0].first_block
        assert b is not None
        return b

    @property
    def is_kernel(self) -> bool:
        return "kernel" in self.properties

    @property
    def num_workgroup_attributions(self) -> int:
        a = self.properties.get("workgroup_attributions")
        return a.value if a is not None else 0

    @property
    def arguments(self) -> list[Value]:
        """The entry block arguments that are the function's arguments."""
        return list(self.entry_block.args[:len(self.type.inputs)])

    @property
    def workgroup_attributions_values(self) -> list[Value]:
        n = len(self.type.inputs)
        return list(self.entry_block.args[n:n + self.num_workgroup_attributions])

    @property
    def private_attributions(self) -> list[Value]:
        return list(self.entry_block.args[len(self.type.inputs) + self.num_workgroup_attributions:])

    def add_private_attribution(self, t: MemRefType) -> Value:
        """A new private buffer of type `t` (the last entry block argument)."""
        return self.entry_block.add_argument(t)

    def add_workgroup_attribution(self, t: MemRefType) -> Value:
        """A new workgroup buffer of type `t` (an entry block argument after the existing ones)."""
        n = len(self.type.inputs) + self.num_workgroup_attributions
        v = self.entry_block.insert_argument(n, t)
        self.properties["workgroup_attributions"] = IntegerAttr(self.num_workgroup_attributions + 1, I64)
        return v

    # CallableOpInterface
    def get_callable_region(self) -> Region | None:
        return self.regions[0]

    def get_argument_types(self) -> list:
        return list(self.type.inputs)

    def get_result_types(self) -> list:
        return list(self.type.results)

    # -- syntax ------------------------------------------------------------------

    @classmethod
    def parse(cls, parser: Parser) -> GPUFuncOp:
        props: dict[str, Any] = {"sym_name": StringAttr(parser.parse_symbol_name())}
        pos = parser.skip_ws()
        sig = parse_function_signature(parser)
        if sig.named is False:
            raise parser.error("expected SSA identifier", pos)
        props["function_type"] = TypeAttr(FunctionType(tuple(sig.arg_types), tuple(sig.result_types)))
        for key, dicts in (("arg_attrs", sig.arg_attrs), ("res_attrs", sig.res_attrs)):
            a = dict_array(dicts)
            if a is not None:
                props[key] = a
        wg, wg_attrs = parse_attributions(parser, "workgroup", allow_attrs=True)
        pr, pr_attrs = parse_attributions(parser, "private", allow_attrs=True)
        if wg:
            props["workgroup_attributions"] = IntegerAttr(len(wg), I64)
        for key, dicts in (("workgroup_attrib_attrs", wg_attrs), ("private_attrib_attrs", pr_attrs)):
            a = dict_array(dicts)
            if a is not None:
                props[key] = a
        if parser.parse_optional_keyword("kernel"):
            props["kernel"] = UnitAttr()
        attrs = parser.parse_optional_attr_dict_with_keyword()
        for k in list(attrs):
            if k in cls.definition.props:
                props[k] = attrs.pop(k)
        body = parser.parse_region(sig.entry_args + wg + pr, isolated=True)
        return cls.create(properties=props, attributes=attrs, regions=[body])

    def print(self, printer: Printer) -> None:
        printer.write(" ")
        printer.print_symbol_name(self.sym_name_str)
        print_function_signature(self, printer)
        if not self.regions[0].is_empty():
            print_attributions(printer, "workgroup", self.workgroup_attributions_values,
                               self.properties.get("workgroup_attrib_attrs"))
            print_attributions(printer, "private", self.private_attributions,
                               self.properties.get("private_attrib_attrs"))
        if self.is_kernel:
            printer.write(" kernel")
        shown = dict(self.properties)
        shown.update(self.attributes)
        printer.print_optional_attr_dict_with_keyword(
            {k: shown[k] for k in sorted(shown)},
            ("sym_name", "function_type", "arg_attrs", "res_attrs", "workgroup_attrib_attrs", "private_attrib_attrs",
             "kernel", "workgroup_attributions"))
        printer.write(" ")
        printer.print_region(self.regions[0], print_entry_block_args=False)

    def verify_(self) -> str | None:
        ft = self.properties.get("function_type")
        if not isinstance(ft, TypeAttr) or not isinstance(ft.value, FunctionType):
            return None
        if self.is_kernel and self.type.results:
            return "expected void return type for kernel function"
        if self.regions[0].is_empty():
            return "expected body with at least one block"
        nargs = len(self.type.inputs)
        nwg = self.num_workgroup_attributions
        args = self.entry_block.args
        if len(args) < nargs + nwg:
            return f"expected at least {nargs + nwg} arguments to body region"
        for i, (a, t) in enumerate(zip(args, self.type.inputs)):
            if a.type is not t:
                return f"expected body region argument #{i} to be of type {t}, got {a.type}"
        err = verify_attributions(self, self.workgroup_attributions_values, WORKGROUP) or \
            verify_attributions(self, self.private_attributions, PRIVATE)
        if err:
            return err
        return _verify_arg_res_attrs(self)


def _verify_arg_res_attrs(op: GPUFuncOp) -> str | None:
    """FunctionOpInterface's checks of `arg_attrs`/`res_attrs` (the entry block is checked
    above: it has more arguments than the signature when there are attributions)."""
    for key, what, count in (("arg_attrs", "argument", len(op.type.inputs)),
                             ("res_attrs", "result", len(op.type.results))):
        arr = op.properties.get(key)
        if arr is None:
            continue
        if len(arr) != count:
            return (f"expects {what} attribute array to have the same number of elements as the number of "
                    f"function {what}s, got {len(arr)}, but expected {count}")
        for d in arr:
            for name, _ in getattr(d, "entries", ()):
                if "." not in name:
                    return f"{what}s may only have dialect attributes"
    return None


class ReturnOp(Op):
    """Returns from a `gpu.func`; the operands match its result types.

    ```mlir
    gpu.return %v : f32
    ```
    """

    name = "gpu.return"
    traits = [Pure, HasParent("gpu.func"), ReturnLike, Terminator]
    operands_ = var_operand(AnyType)
    assembly_format = "attr-dict ($operands_^ `:` type($operands_))?"

    @classmethod
    def build(cls, values: Sequence[Value] = (), *, location: Any = None) -> ReturnOp:
        return cls(list(values), location=location)

    def verify_(self) -> str | None:
        fn = self.parent_op
        if not isinstance(fn, GPUFuncOp) or not isinstance(fn.properties.get("function_type"), TypeAttr):
            return None
        results = fn.type.results
        if len(results) != len(self.operands_):
            d = self.emit_op_error(f"expected {len(results)} result operands")
            d.attach_note("return type declared here", fn.location)
            return ""
        for i, (t, v) in enumerate(zip(results, self.operands_)):
            if v.type is not t:
                return f"unexpected type `'{v.type}'' for operand #{i}"
        return None


OPS = [GPUModuleOp, GPUFuncOp, ReturnOp]
