"""The gpu and nvvm dialects from Python: builders produce verifier-clean IR that prints as
upstream's syntax and parses back; every op documents itself; enum attributes round-trip; the
nvvm ops' LLVM intrinsics exist in the NVPTX backend."""

from __future__ import annotations

import re

import pytest
from mlir_py.dialects import func, gpu, llvm, memref, nvvm

import mlir_py as mp
from mlir_py.analysis.verifier import verify
from mlir_py.builtin.ops import ModuleOp
from mlir_py.ir.builtin_attributes import UnitAttr
from mlir_py.ir.builtin_types import FunctionType, f32, i1, i32, index
from mlir_py.ir.diagnostics import DiagnosticCollector
from mlir_py.ir.operation import Operation
from mlir_py.text.parser import parse_attribute, parse_type


@pytest.fixture(scope="module")
def ctx() -> mp.Context:
    return mp.Context.with_available_dialects()


def errors_of(op: Operation) -> list[str]:
    with DiagnosticCollector() as c:
        verify(op)
    return [d.message for d in c.errors]


def roundtrip(ctx: mp.Context, op: Operation) -> str:
    """The op's text, checked to be a fixed point of print(parse(.)) in custom and generic form."""
    text = mp.to_string(op)
    assert mp.to_string(mp.parse(ctx, text, "custom.mir")) == text
    generic = mp.to_string(op, generic=True)
    assert mp.to_string(mp.parse(ctx, generic, "generic.mir")) == text
    return text


def test_builders_make_a_verified_kernel_and_launch(ctx):
    src = """
    module attributes {gpu.container_module} {
    }
    """
    top = mp.parse(ctx, src, "t.mir")
    assert isinstance(top, ModuleOp)
    buf_t = parse_type(ctx, "memref<?xf32>")
    wg_t = parse_type(ctx, "memref<32xf32, #gpu.address_space<workgroup>>")
    mod = top.block.append(gpu.GPUModuleOp.build("kernels", [nvvm.NVVMTargetAttr.get(chip="sm_80")]))
    kern = mod.block.append(gpu.GPUFuncOp.build("scale", FunctionType((buf_t, f32), ()), workgroup=[wg_t],
                                                kernel=True, known_block_size=[32, 1, 1]))
    b = kern.entry_block
    arg_buf, arg_x = kern.arguments
    (shared,) = kern.workgroup_attributions_values
    tx = b.append(gpu.ThreadIdOp.build("x")).result_
    b.append(gpu.BlockIdOp.build("y", upper_bound=8))
    v = b.append(memref.LoadOp(arg_buf, [tx])).result
    b.append(memref.StoreOp(v, shared, [tx]))
    b.append(gpu.BarrierOp.build())
    b.append(gpu.ReturnOp.build())

    host = top.block.append(func.FuncOp.build("host", FunctionType((buf_t, f32, index), ())))
    hb = host.entry_block
    m, x, n = hb.args
    t0 = hb.append(gpu.WaitOp.build(async_=True)).results[0]
    alloc = hb.append(gpu.AllocOp.build(buf_t, [n], deps=[t0], async_=True))
    cp = hb.append(gpu.MemcpyOp.build(alloc.memref, m, deps=[alloc.asyncToken], async_=True))
    launch = hb.append(gpu.LaunchFuncOp.build(kern, [n, n, n], [n, n, n], [alloc.memref, x],
                                              deps=[cp.results[0]], async_=True))
    hb.append(gpu.WaitOp.build([launch.results[0]]))
    hb.append(gpu.DeallocOp.build(alloc.memref))
    hb.append(func.ReturnOp([]))

    assert errors_of(top) == []
    assert launch.kernel_module_name == "kernels" and launch.kernel_name == "scale"
    text = roundtrip(ctx, top)
    assert 'gpu.module @kernels [#nvvm.target<chip = "sm_80">] {' in text
    assert "workgroup(%arg2 : memref<32xf32, #gpu.address_space<workgroup>>) kernel attributes " \
           "{known_block_size = array<i32: 32, 1, 1>}" in text
    assert "%thread_id_x = gpu.thread_id x" in text
    assert "%block_id_y = gpu.block_id y upper_bound 8" in text
    assert "%memref, %asyncToken = gpu.alloc async [%0] (%arg2) : memref<?xf32>" in text
    assert "gpu.launch_func async [%1] @kernels::@scale blocks in (%arg2, %arg2, %arg2) threads in " \
           "(%arg2, %arg2, %arg2)  args(%memref : memref<?xf32>, %arg1 : f32)" in text


def test_launch_builder_makes_the_body_arguments(ctx):
    src = "func.func @f(%n: index) {\n  return\n}\n"
    fn = mp.parse(ctx, src, "t.mir").regions[0].first_block.first_op
    (n,) = fn.entry_block.args
    wg_t = parse_type(ctx, "memref<8xf32, #gpu.address_space<workgroup>>")
    launch = gpu.LaunchOp.build([n, n, n], [n, n, n], workgroup=[wg_t])
    body = launch.entry_block
    assert len(body.args) == 13 and all(a.type is index for a in body.args[:12])
    assert launch.block_ids.x is body.args[0] and launch.thread_ids.z is body.args[5]
    assert launch.grid_size.y is body.args[7] and launch.block_size.x is body.args[9]
    assert launch.workgroup_attributions_values == [body.args[12]] and launch.private_attributions == []
    assert launch.grid_size_operands == (n, n, n)
    body.append(gpu.TerminatorOp())
    assert errors_of(launch) == []


def test_async_dependency_syntax_spacing(ctx):
    # upstream's custom<AsyncDependencies> prints nothing for a synchronous op, so two spaces follow
    src = """
    func.func @f(%m: memref<4xf32>, %v: f32) {
      gpu.memset %m, %v : memref<4xf32>, f32
      %t = gpu.wait async
      %t2 = gpu.memset async [%t] %m, %v : memref<4xf32>, f32
      %t3 = gpu.wait async [%t, %t2]
      gpu.wait [%t3]
      return
    }
    """
    text = roundtrip(ctx, mp.parse(ctx, src, "t.mir"))
    assert "gpu.memset  %arg0, %arg1 : memref<4xf32>, f32" in text
    assert "%1 = gpu.memset async [%0] %arg0, %arg1" in text
    assert "%2 = gpu.wait async [%0, %1]" in text


@pytest.mark.parametrize("cls", gpu.OPS + nvvm.OPS, ids=lambda c: c.name)
def test_every_op_documents_itself_with_an_example(cls):
    m = re.search(r"```mlir\n(.*?)```", cls.__doc__ or "", re.S)
    assert m and cls.name in m.group(1), f"{cls.name} has no ```mlir example using it"


def test_enum_attributes_print_as_upstream(ctx):
    assert str(gpu.DimensionAttr(1)) == "#gpu.dim<y>"
    assert str(gpu.WORKGROUP) == "#gpu.address_space<workgroup>"
    assert str(gpu.ShuffleModeAttr.get("xor")) == "#gpu.shuffle_mode<xor>"
    assert str(gpu.loop_dim_map("thread_x")) == \
        "#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>"
    for text in ("#gpu.block<x>", "#gpu.thread<linear_dim_3>", "#gpu.warp<z>", "#gpu.lane<y>",
                 "#gpu.memory_space<private>", "#nvvm.target<O = 3, chip = \"sm_90\", features = \"+ptx80\">",
                 "#nvvm.target", "#llvm.constant_range<i32, 0, -1>",
                 "#gpu.loop_dim_map<processor = block_y, map = (d0) -> (d0 floordiv 2), bound = (d0) -> (d0)>"):
        assert str(parse_attribute(ctx, text)) == text
    assert nvvm.NVVMTargetAttr.get() is parse_attribute(ctx, "#nvvm.target<chip = \"sm_75\", O = 2>")


def test_nvvm_builders(ctx):
    src = "llvm.func @f(%m: i32, %v: f32, %p: i1) {\n  llvm.return\n}\n"
    fn = mp.parse(ctx, src, "t.mir").regions[0].first_block.first_op
    m, v, p = fn.regions[0].first_block.args
    ops = [nvvm.ThreadIdXOp.build(), nvvm.LaneIdOp.build(0, 32), nvvm.BarrierOp.build(),
           nvvm.ShflSyncOp.build("bfly", m, v, m, m, with_valid=True), nvvm.VoteSyncOp.build("ballot", m, p)]
    assert ops[1].range is not None and str(ops[1].range) == "#llvm.constant_range<i32, 0, 32>"
    assert ops[3].res.type is llvm.LLVMStructType.literal([f32, i1])
    assert ops[4].res.type is i32
    assert nvvm.THREAD_ID["y"].LLVM_INTRINSIC == "llvm.nvvm.read.ptx.sreg.tid.y"
    assert ops[3].llvm_intrinsic == "llvm.nvvm.shfl.sync.bfly.f32p"
    for op in ops:
        assert errors_of(op) == []


def test_reduction_and_shuffle_builders(ctx):
    src = "func.func @f(%v: f32, %o: i32, %n: index) {\n  return\n}\n"
    fn = mp.parse(ctx, src, "t.mir").regions[0].first_block.first_op
    v, o, n = fn.entry_block.args
    launch = gpu.LaunchOp.build([n, n, n], [n, n, n])
    fn.entry_block.insert_before(fn.entry_block.last_op, launch)
    body = launch.entry_block
    named = body.append(gpu.AllReduceOp.build(v, "add"))
    custom = body.append(gpu.AllReduceOp.build(v))
    lhs, rhs = custom.body.first_block.args
    custom.body.first_block.append(gpu.YieldOp.build([lhs]))
    sub = body.append(gpu.SubgroupReduceOp.build(v, "maxnumf", cluster_size=4, cluster_stride=2))
    shfl = body.append(gpu.ShuffleOp.build("xor", v, o, o))
    body.append(gpu.PrintfOp.build("%f %d\n", [v, o]))
    shmem = body.append(gpu.DynamicSharedMemoryOp.build())
    body.append(gpu.TerminatorOp())
    assert named.result_.type is f32 and shfl.shuffleResult.type is f32 and shfl.valid.type is i1
    assert sub.cluster_size.value == 4 and sub.cluster_stride.value == 2
    assert str(shmem.resultMemref.type) == "memref<?xi8, #gpu.address_space<workgroup>>"
    assert errors_of(launch) == []
    text = mp.to_string(launch)
    assert "gpu.all_reduce add" in text and "gpu.subgroup_reduce maxnumf" in text
    assert "cluster(size = 4, stride = 2)" in text
    assert "%shuffleResult, %valid = gpu.shuffle xor" in text
    assert 'gpu.printf "%f %d\\0A", ' in text
    bad = gpu.SubgroupReduceOp.build(v, "xor")
    assert errors_of(bad) == ["`xor` reduction operation is not compatible with type 'f32'"]


def test_nvvm_intrinsic_names_exist_in_the_nvptx_backend():
    """Every name `llvm_intrinsic` gives, called with the op's operand and result types, is
    compiled to PTX by LLVM's NVPTX backend (llvmlite), so the translation can rely on them."""
    llvm_binding = pytest.importorskip("llvmlite.binding")
    decls, calls = {}, []

    def call(name: str, ret: str, args: list[tuple[str, str]]) -> None:
        decls[name] = f"declare {ret} @{name}({', '.join(t for t, _ in args)})"
        target = "" if ret == "void" else f"%v{len(calls)} = "
        calls.append(f"  {target}call {ret} @{name}({', '.join(f'{t} {v}' for t, v in args)})")
        if ret != "void":  # keep the value: unused register reads would be deleted
            calls.append(f"  store volatile {ret} %v{len(calls) - 1}, ptr addrspace(1) %out")

    for cls in nvvm.ops.SPECIAL_REGISTER_OPS:
        call(cls.LLVM_INTRINSIC, str(cls.definition.results[0].constraint.attr), [])
    src = "llvm.func @f(%m: i32, %v: f32, %p: i1) {\n  llvm.return\n}\n"
    ctx = mp.Context.with_available_dialects()
    fn = mp.parse(ctx, src, "t.mir").regions[0].first_block.first_op
    m, v, p = fn.regions[0].first_block.args
    call(nvvm.BarrierOp.build().llvm_intrinsic, "void", [("i32", "0")])
    call(nvvm.BarrierOp.build(m, m).llvm_intrinsic, "void", [("i32", "0"), ("i32", "32")])
    call(nvvm.BarrierOp.build(aligned=False).llvm_intrinsic, "void", [("i32", "0")])
    call(nvvm.BarrierArriveOp(m, m).llvm_intrinsic, "void", [("i32", "0"), ("i32", "32")])
    call(nvvm.BarWarpSyncOp.llvm_intrinsic, "void", [("i32", "-1")])
    call(nvvm.FenceScClusterOp.llvm_intrinsic, "void", [])
    for cls in (nvvm.ClusterArriveOp, nvvm.ClusterArriveRelaxedOp, nvvm.ClusterWaitOp):
        for aligned in (None, UnitAttr()):
            call(cls(aligned=aligned).llvm_intrinsic, "void", [])
    for kind in ("bfly", "up", "down", "idx"):
        for val, t in ((m, "i32"), (v, "float")):
            for valid in (False, True):
                op = nvvm.ShflSyncOp.build(kind, m, val, m, m, with_valid=valid)
                call(op.llvm_intrinsic, f"{{{t}, i1}}" if valid else t,
                     [("i32", "-1"), (t, "1.0" if t == "float" else "7"), ("i32", "1"), ("i32", "31")])
    for kind in ("any", "all", "uni", "ballot"):
        op = nvvm.VoteSyncOp.build(kind, m, p)
        call(op.llvm_intrinsic, "i32" if kind == "ballot" else "i1", [("i32", "-1"), ("i1", "true")])
    for kind in ("add", "and", "max", "min", "or", "umax", "umin", "xor"):
        call(nvvm.ReduxSyncOp.build(kind, m, m).llvm_intrinsic, "i32", [("i32", "5"), ("i32", "-1")])
    ir = "\n".join(['target triple = "nvptx64-nvidia-cuda"', *decls.values(),
                    "define ptx_kernel void @k(ptr addrspace(1) %out) {", *calls, "  ret void", "}", ""])
    llvm_binding.initialize_all_targets()
    llvm_binding.initialize_all_asmprinters()
    mod = llvm_binding.parse_assembly(ir)
    mod.verify()
    tm = llvm_binding.Target.from_triple("nvptx64-nvidia-cuda").create_target_machine(cpu="sm_90",
                                                                                     features="+ptx80")
    ptx = tm.emit_assembly(mod)
    # an unknown intrinsic would stay a call to an external function of that name
    assert "llvm.nvvm" not in ptx and "call" not in ptx, ptx
    for text in ("%tid.x", "%ctaid.y", "%nctaid.z", "%laneid", "bar.sync", "barrier.sync", "shfl.sync.bfly.b32",
                 "vote.sync.ballot.b32", "redux.sync.add.s32", "%clusterid.x", "bar.warp.sync", "bar.arrive",
                 "barrier.cluster.arrive.relaxed.aligned", "barrier.cluster.wait", "fence.sc.cluster"):
        assert text in ptx, text
