; Hand-written C-interface functions (what convert-func-to-llvm's
; llvm.emit_c_interface wrappers look like) that test the marshalling of
; mlir_py.execution without depending on the lowering.
%desc1 = type { ptr, ptr, i64, [1 x i64], [1 x i64] }
%desc2 = type { ptr, ptr, i64, [2 x i64], [2 x i64] }

declare ptr @malloc(i64)

@table = internal global [4 x float] [float 1.5, float -2.25, float 3.0, float 0.125]

; element i of a rank-1 descriptor: aligned[offset + i * stride]
define internal ptr @elt1(ptr %d, i64 %i) {
  %ap = getelementptr %desc1, ptr %d, i32 0, i32 1
  %a = load ptr, ptr %ap
  %op = getelementptr %desc1, ptr %d, i32 0, i32 2
  %o = load i64, ptr %op
  %sp = getelementptr %desc1, ptr %d, i32 0, i32 4, i32 0
  %s = load i64, ptr %sp
  %m = mul i64 %i, %s
  %k = add i64 %o, %m
  %p = getelementptr float, ptr %a, i64 %k
  ret ptr %p
}

define internal i64 @size1(ptr %d) {
  %np = getelementptr %desc1, ptr %d, i32 0, i32 3, i32 0
  %n = load i64, ptr %np
  ret i64 %n
}

; (memref<?xf32, strided<[?], offset: ?>>) -> f32 : the sum
define float @_mlir_ciface_sum(ptr %d) {
entry:
  %n = call i64 @size1(ptr %d)
  br label %loop
loop:
  %i = phi i64 [0, %entry], [%i1, %body]
  %acc = phi float [0.0, %entry], [%acc1, %body]
  %c = icmp slt i64 %i, %n
  br i1 %c, label %body, label %exit
body:
  %p = call ptr @elt1(ptr %d, i64 %i)
  %v = load float, ptr %p
  %acc1 = fadd float %acc, %v
  %i1 = add i64 %i, 1
  br label %loop
exit:
  ret float %acc
}

; (memref<?xf32>, f32) -> memref<?xf32> : a new buffer holding x * s
define void @_mlir_ciface_scaled(ptr %res, ptr %d, float %s) {
entry:
  %n = call i64 @size1(ptr %d)
  %bytes = mul i64 %n, 4
  %buf = call ptr @malloc(i64 %bytes)
  br label %loop
loop:
  %i = phi i64 [0, %entry], [%i1, %body]
  %c = icmp slt i64 %i, %n
  br i1 %c, label %body, label %exit
body:
  %p = call ptr @elt1(ptr %d, i64 %i)
  %v = load float, ptr %p
  %w = fmul float %v, %s
  %q = getelementptr float, ptr %buf, i64 %i
  store float %w, ptr %q
  %i1 = add i64 %i, 1
  br label %loop
exit:
  %r0 = insertvalue %desc1 undef, ptr %buf, 0
  %r1 = insertvalue %desc1 %r0, ptr %buf, 1
  %r2 = insertvalue %desc1 %r1, i64 0, 2
  %r3 = insertvalue %desc1 %r2, i64 %n, 3, 0
  %r4 = insertvalue %desc1 %r3, i64 1, 4, 0
  store %desc1 %r4, ptr %res
  ret void
}

; (i64) -> (memref<?xf32>, memref<?xf32>) : one buffer 0..n-1, returned whole and as its second half
define void @_mlir_ciface_halves(ptr %res, i64 %n) {
entry:
  %bytes = mul i64 %n, 4
  %buf = call ptr @malloc(i64 %bytes)
  br label %loop
loop:
  %i = phi i64 [0, %entry], [%i1, %body]
  %c = icmp slt i64 %i, %n
  br i1 %c, label %body, label %exit
body:
  %f = sitofp i64 %i to float
  %q = getelementptr float, ptr %buf, i64 %i
  store float %f, ptr %q
  %i1 = add i64 %i, 1
  br label %loop
exit:
  %h = sdiv i64 %n, 2
  %rest = sub i64 %n, %h
  %a0 = insertvalue %desc1 undef, ptr %buf, 0
  %a1 = insertvalue %desc1 %a0, ptr %buf, 1
  %a2 = insertvalue %desc1 %a1, i64 0, 2
  %a3 = insertvalue %desc1 %a2, i64 %n, 3, 0
  %a4 = insertvalue %desc1 %a3, i64 1, 4, 0
  %b2 = insertvalue %desc1 %a4, i64 %h, 2
  %b3 = insertvalue %desc1 %b2, i64 %rest, 3, 0
  %r0 = insertvalue { %desc1, %desc1 } undef, %desc1 %a4, 0
  %r1 = insertvalue { %desc1, %desc1 } %r0, %desc1 %b3, 1
  store { %desc1, %desc1 } %r1, ptr %res
  ret void
}

; (memref<?xf32>, f32) -> (memref<?xf32>, f32, i1) : the argument itself, 2*s, s > 0
define void @_mlir_ciface_multi(ptr %res, ptr %d, float %s) {
  %v = load %desc1, ptr %d
  %t = fmul float %s, 2.0
  %pos = fcmp ogt float %s, 0.0
  %r0 = insertvalue { %desc1, float, i1 } undef, %desc1 %v, 0
  %r1 = insertvalue { %desc1, float, i1 } %r0, float %t, 1
  %r2 = insertvalue { %desc1, float, i1 } %r1, i1 %pos, 2
  store { %desc1, float, i1 } %r2, ptr %res
  ret void
}

; () -> memref<4xf32> : a memref.global, marked as upstream marks it (allocated = 0xdeadbeef)
define void @_mlir_ciface_table(ptr %res) {
  %m = inttoptr i64 3735928559 to ptr
  %r0 = insertvalue %desc1 undef, ptr %m, 0
  %r1 = insertvalue %desc1 %r0, ptr @table, 1
  %r2 = insertvalue %desc1 %r1, i64 0, 2
  %r3 = insertvalue %desc1 %r2, i64 4, 3, 0
  %r4 = insertvalue %desc1 %r3, i64 1, 4, 0
  store %desc1 %r4, ptr %res
  ret void
}

; (memref<3x4xf32>, memref<3x4xf32>, memref<3x4xf32>) -> () : c = a * b + c (strides from the descriptors)
define void @_mlir_ciface_fma(ptr %a, ptr %b, ptr %c) {
entry:
  br label %outer
outer:
  %i = phi i64 [0, %entry], [%i1, %outer_next]
  %ci = icmp slt i64 %i, 3
  br i1 %ci, label %inner, label %exit
inner:
  %j = phi i64 [0, %outer], [%j1, %inner]
  %pa = call ptr @at2(ptr %a, i64 %i, i64 %j)
  %pb = call ptr @at2(ptr %b, i64 %i, i64 %j)
  %pc = call ptr @at2(ptr %c, i64 %i, i64 %j)
  %va = load float, ptr %pa
  %vb = load float, ptr %pb
  %vc = load float, ptr %pc
  %m = fmul float %va, %vb
  %s = fadd float %m, %vc
  store float %s, ptr %pc
  %j1 = add i64 %j, 1
  %cj = icmp slt i64 %j1, 4
  br i1 %cj, label %inner, label %outer_next
outer_next:
  %i1 = add i64 %i, 1
  br label %outer
exit:
  ret void
}

define internal ptr @at2(ptr %d, i64 %i, i64 %j) {
  %ap = getelementptr %desc2, ptr %d, i32 0, i32 1
  %a = load ptr, ptr %ap
  %op = getelementptr %desc2, ptr %d, i32 0, i32 2
  %o = load i64, ptr %op
  %s0p = getelementptr %desc2, ptr %d, i32 0, i32 4, i32 0
  %s0 = load i64, ptr %s0p
  %s1p = getelementptr %desc2, ptr %d, i32 0, i32 4, i32 1
  %s1 = load i64, ptr %s1p
  %x = mul i64 %i, %s0
  %y = mul i64 %j, %s1
  %xy = add i64 %x, %y
  %k = add i64 %o, %xy
  %p = getelementptr float, ptr %a, i64 %k
  ret ptr %p
}

; (i32, i8, i1, index, f64) -> i32 : a * b (wrapping, i32) + (flag ? n : 0), plus trunc(d)
define i32 @_mlir_ciface_ints(i32 %a, i8 %b, i1 %flag, i64 %n, double %d) {
  %bw = sext i8 %b to i32
  %m = mul i32 %a, %bw
  %nt = trunc i64 %n to i32
  %add = select i1 %flag, i32 %nt, i32 0
  %r = add i32 %m, %add
  %dt = fptosi double %d to i32
  %r2 = add i32 %r, %dt
  ret i32 %r2
}

; (ui8) -> i1 : whether the byte's top bit is set
define i1 @_mlir_ciface_topbit(i8 %x) {
  %r = icmp ugt i8 %x, 127
  ret i1 %r
}

; (memref<1xi64>) -> i64 : spins until the flag becomes non-zero (returns 1) or gives up (returns 0);
; another Python thread can only set the flag while this call has released the GIL
define i64 @_mlir_ciface_wait_flag(ptr %d) {
entry:
  %ap = getelementptr %desc1, ptr %d, i32 0, i32 1
  %a = load ptr, ptr %ap
  br label %loop
loop:
  %i = phi i64 [0, %entry], [%i1, %loop]
  %v = load volatile i64, ptr %a
  %i1 = add i64 %i, 1
  %seen = icmp ne i64 %v, 0
  %tired = icmp sgt i64 %i1, 2000000000
  %stop = or i1 %seen, %tired
  br i1 %stop, label %exit, label %loop
exit:
  %r = zext i1 %seen to i64
  ret i64 %r
}
