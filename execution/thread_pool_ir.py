"""The thread pool behind `scf.parallel`, as LLVM IR text over pthreads.

thread_pool.py compiles this once per process with llvmlite and makes the
JIT resolve `mlir_py_parallel_for` to it, so a compiled module calls the
pool like any C function and no C compiler is needed anywhere. The design
is a fork-join pool in OpenMP's manner:

- `mlir_py_parallel_for(fn, ctx, n, grain, threads)` runs
  `fn(ctx, begin, end)` over `[0, n)` in chunks of `grain` iterations (the
  last one shorter); chunk `k` is always `[k*grain, min((k+1)*grain, n))`,
  whoever runs it, so a caller may key per-chunk storage on `begin / grain`.
  `grain <= 0` picks `ceil(n / (4 * threads))`; `threads <= 0` takes the
  process default (`mlir_py_parallel_set_default_threads`).
- The calling thread works too; `threads - 1` workers join it. Workers are
  created on first need and sleep on a condition variable between jobs; a
  job is a generation number, the function and its range, and a shared
  chunk counter each participant advances with one atomic add. A worker
  joins a job only while it is open; once the caller has seen every chunk
  taken it closes the job and waits only for the workers that joined, so a
  worker the OS wakes late costs the caller nothing.
- One job at a time: the caller takes the pool with a compare-and-swap on
  `busy`. A call that finds the pool taken - an inner parallel loop reached
  from inside a running one (nesting), or a second application thread -
  runs its chunks serially in its own thread. So nesting never deadlocks
  and needs no thread-local state.
- `mlir_py_parallel_shutdown` (Python calls it at exit) waits for a running
  job, wakes the workers and joins them; later calls run serially, so
  nothing executes this code once the interpreter frees it.
  `mlir_py_parallel_after_fork` resets the pool in a forked child, which
  has none of its parent's threads.

pthread objects live in zeroed 128-byte slots initialized by
`pthread_mutex_init` / `pthread_cond_init`, which fits every C library's
layout (glibc's mutex is 40 bytes, macOS's 64).
"""

from __future__ import annotations

#: the most worker threads the pool creates (the caller is one more)
MAX_WORKERS = 255

#: the function compiled modules call
PARALLEL_FOR = "mlir_py_parallel_for"

RUNTIME_IR = f"""

@mu = internal global [128 x i8] zeroinitializer, align 64
@work_cv = internal global [128 x i8] zeroinitializer, align 64
@done_cv = internal global [128 x i8] zeroinitializer, align 64
@generation = internal global i64 0, align 64
@nworkers = internal global i64 0
@active = internal global i64 0
@open = internal global i32 0
@running = internal global i64 0
@stopping = internal global i32 0
@closed = internal global i32 0
@job_fn = internal global ptr null, align 64
@job_ctx = internal global ptr null
@job_n = internal global i64 0
@job_grain = internal global i64 0
@next = internal global i64 0, align 64
@busy = internal global i32 0, align 64
@default_threads = internal global i64 1, align 64
@threads = internal global [{MAX_WORKERS} x i64] zeroinitializer
@born = internal global [{MAX_WORKERS} x i64] zeroinitializer

declare i32 @pthread_mutex_init(ptr, ptr)
declare i32 @pthread_cond_init(ptr, ptr)
declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_unlock(ptr)
declare i32 @pthread_cond_wait(ptr, ptr)
declare i32 @pthread_cond_signal(ptr)
declare i32 @pthread_cond_broadcast(ptr)
declare i32 @pthread_create(ptr, ptr, ptr, ptr)
declare i32 @pthread_join(i64, ptr)
declare i32 @sched_yield()

define void @mlir_py_parallel_init(i64 %threads) {{
  %m = call i32 @pthread_mutex_init(ptr @mu, ptr null)
  %w = call i32 @pthread_cond_init(ptr @work_cv, ptr null)
  %d = call i32 @pthread_cond_init(ptr @done_cv, ptr null)
  store atomic i64 %threads, ptr @default_threads monotonic, align 8
  ret void
}}

define void @mlir_py_parallel_set_default_threads(i64 %threads) {{
  store atomic i64 %threads, ptr @default_threads monotonic, align 8
  ret void
}}

define i64 @mlir_py_parallel_default_threads() {{
  %t = load atomic i64, ptr @default_threads monotonic, align 8
  ret i64 %t
}}

define i64 @mlir_py_parallel_num_workers() {{
  %m = call i32 @pthread_mutex_lock(ptr @mu)
  %n = load i64, ptr @nworkers
  %u = call i32 @pthread_mutex_unlock(ptr @mu)
  ret i64 %n
}}

; take chunks of [0, n) with an atomic add on *counter until none is left
define internal void @take_chunks(ptr %fn, ptr %ctx, i64 %n, i64 %grain, ptr %counter) {{
entry:
  br label %loop
loop:
  %b = atomicrmw add ptr %counter, i64 %grain monotonic
  %more = icmp slt i64 %b, %n
  br i1 %more, label %body, label %done
body:
  %e0 = add i64 %b, %grain
  %over = icmp sgt i64 %e0, %n
  %e = select i1 %over, i64 %n, i64 %e0
  call void %fn(ptr %ctx, i64 %b, i64 %e)
  br label %loop
done:
  ret void
}}

; every participant of the posted job
define internal void @run_chunks() {{
  %fn = load ptr, ptr @job_fn
  %ctx = load ptr, ptr @job_ctx
  %n = load i64, ptr @job_n
  %grain = load i64, ptr @job_grain
  call void @take_chunks(ptr %fn, ptr %ctx, i64 %n, i64 %grain, ptr @next)
  ret void
}}

; the same chunks, all on the calling thread
define internal void @run_serial(ptr %fn, ptr %ctx, i64 %n, i64 %grain) {{
  %counter = alloca i64
  store i64 0, ptr %counter
  call void @take_chunks(ptr %fn, ptr %ctx, i64 %n, i64 %grain, ptr %counter)
  ret void
}}

define internal ptr @worker(ptr %arg) {{
entry:
  %seen = alloca i64
  %id = ptrtoint ptr %arg to i64
  %l0 = call i32 @pthread_mutex_lock(ptr @mu)
  %bp = getelementptr [{MAX_WORKERS} x i64], ptr @born, i64 0, i64 %id
  %g0 = load i64, ptr %bp
  store i64 %g0, ptr %seen
  br label %wait
wait:                                   ; holds mu
  %stop = load i32, ptr @stopping
  %quit = icmp ne i32 %stop, 0
  br i1 %quit, label %exit, label %check
check:
  %g = load i64, ptr @generation
  %s = load i64, ptr %seen
  %new = icmp ne i64 %g, %s
  br i1 %new, label %got, label %sleep
sleep:
  %w = call i32 @pthread_cond_wait(ptr @work_cv, ptr @mu)
  br label %wait
got:
  store i64 %g, ptr %seen
  %act = load i64, ptr @active
  %mine = icmp ult i64 %id, %act
  %isopen = load i32, ptr @open
  %joinable = icmp ne i32 %isopen, 0
  %join = and i1 %mine, %joinable
  br i1 %join, label %run, label %wait
run:
  %r = load i64, ptr @running
  %r1 = add i64 %r, 1
  store i64 %r1, ptr @running
  %u = call i32 @pthread_mutex_unlock(ptr @mu)
  call void @run_chunks()
  %l = call i32 @pthread_mutex_lock(ptr @mu)
  %q = load i64, ptr @running
  %q1 = sub i64 %q, 1
  store i64 %q1, ptr @running
  %last = icmp eq i64 %q1, 0
  br i1 %last, label %signal, label %wait
signal:
  %sg = call i32 @pthread_cond_signal(ptr @done_cv)
  br label %wait
exit:
  %ux = call i32 @pthread_mutex_unlock(ptr @mu)
  ret ptr null
}}

; with mu held: create workers until there are %want (or creation fails); how many there are, capped at %want
define internal i64 @ensure_workers(i64 %want) {{
entry:
  br label %loop
loop:
  %have = load i64, ptr @nworkers
  %enough = icmp sge i64 %have, %want
  br i1 %enough, label %done, label %create
create:
  %g = load i64, ptr @generation
  %bp = getelementptr [{MAX_WORKERS} x i64], ptr @born, i64 0, i64 %have
  store i64 %g, ptr %bp
  %tp = getelementptr [{MAX_WORKERS} x i64], ptr @threads, i64 0, i64 %have
  %arg = inttoptr i64 %have to ptr
  %rc = call i32 @pthread_create(ptr %tp, ptr null, ptr @worker, ptr %arg)
  %failed = icmp ne i32 %rc, 0
  br i1 %failed, label %done, label %created
created:
  %h1 = add i64 %have, 1
  store i64 %h1, ptr @nworkers
  br label %loop
done:
  %n = load i64, ptr @nworkers
  %lt = icmp slt i64 %n, %want
  %r = select i1 %lt, i64 %n, i64 %want
  ret i64 %r
}}

define void @{PARALLEL_FOR}(ptr %fn, ptr %ctx, i64 %n, i64 %grain_in, i32 %req) {{
entry:
  %empty = icmp sle i64 %n, 0
  br i1 %empty, label %ret, label %start
start:
  %req64 = sext i32 %req to i64
  %hasreq = icmp sgt i64 %req64, 0
  %def = load atomic i64, ptr @default_threads monotonic, align 8
  %t0 = select i1 %hasreq, i64 %req64, i64 %def
  %hasgrain = icmp sgt i64 %grain_in, 0
  %t4 = mul i64 %t0, 4
  %num = add i64 %n, %t4
  %num1 = sub i64 %num, 1
  %auto = sdiv i64 %num1, %t4
  %grain = select i1 %hasgrain, i64 %grain_in, i64 %auto
  %cn = add i64 %n, %grain
  %cn1 = sub i64 %cn, 1
  %nchunks = sdiv i64 %cn1, %grain
  %fewer = icmp slt i64 %nchunks, %t0
  %t = select i1 %fewer, i64 %nchunks, i64 %t0
  %single = icmp sle i64 %t, 1
  br i1 %single, label %serial, label %try
try:
  %closed = load atomic i32, ptr @closed monotonic, align 4
  %isclosed = icmp ne i32 %closed, 0
  br i1 %isclosed, label %serial, label %take
take:
  %old = cmpxchg ptr @busy, i32 0, i32 1 acquire monotonic
  %ok = extractvalue {{ i32, i1 }} %old, 1
  br i1 %ok, label %pool, label %serial
serial:
  call void @run_serial(ptr %fn, ptr %ctx, i64 %n, i64 %grain)
  br label %ret
pool:
  %l = call i32 @pthread_mutex_lock(ptr @mu)
  %w0 = sub i64 %t, 1
  %cap = icmp sgt i64 %w0, {MAX_WORKERS}
  %w = select i1 %cap, i64 {MAX_WORKERS}, i64 %w0
  %avail = call i64 @ensure_workers(i64 %w)
  %none = icmp sle i64 %avail, 0
  br i1 %none, label %giveup, label %post
giveup:
  %ug = call i32 @pthread_mutex_unlock(ptr @mu)
  store atomic i32 0, ptr @busy release, align 4
  br label %serial
post:
  store ptr %fn, ptr @job_fn
  store ptr %ctx, ptr @job_ctx
  store i64 %n, ptr @job_n
  store i64 %grain, ptr @job_grain
  store atomic i64 0, ptr @next monotonic, align 8
  store i64 %avail, ptr @active
  store i32 1, ptr @open
  %g = load i64, ptr @generation
  %g1 = add i64 %g, 1
  store i64 %g1, ptr @generation
  %b = call i32 @pthread_cond_broadcast(ptr @work_cv)
  %u = call i32 @pthread_mutex_unlock(ptr @mu)
  call void @run_chunks()
  %l2 = call i32 @pthread_mutex_lock(ptr @mu)
  store i32 0, ptr @open                ; every chunk is taken: late workers stay out
  br label %join
join:                                   ; holds mu: wait for the workers that joined
  %p = load i64, ptr @running
  %alldone = icmp eq i64 %p, 0
  br i1 %alldone, label %finish, label %waitdone
waitdone:
  %wd = call i32 @pthread_cond_wait(ptr @done_cv, ptr @mu)
  br label %join
finish:
  %u2 = call i32 @pthread_mutex_unlock(ptr @mu)
  store atomic i32 0, ptr @busy release, align 4
  br label %ret
ret:
  ret void
}}

; no new jobs on the pool; wait for a running one, stop and join the workers
define void @mlir_py_parallel_shutdown() {{
entry:
  store atomic i32 1, ptr @closed monotonic, align 4
  br label %acquire
acquire:
  %old = cmpxchg ptr @busy, i32 0, i32 1 acquire monotonic
  %ok = extractvalue {{ i32, i1 }} %old, 1
  br i1 %ok, label %stop, label %yield
yield:
  %y = call i32 @sched_yield()
  br label %acquire
stop:
  %l = call i32 @pthread_mutex_lock(ptr @mu)
  store i32 1, ptr @stopping
  %b = call i32 @pthread_cond_broadcast(ptr @work_cv)
  %n = load i64, ptr @nworkers
  %u = call i32 @pthread_mutex_unlock(ptr @mu)
  br label %loop
loop:
  %i = phi i64 [ 0, %stop ], [ %i1, %body ]
  %more = icmp slt i64 %i, %n
  br i1 %more, label %body, label %done
body:
  %tp = getelementptr [{MAX_WORKERS} x i64], ptr @threads, i64 0, i64 %i
  %t = load i64, ptr %tp
  %j = call i32 @pthread_join(i64 %t, ptr null)
  %i1 = add i64 %i, 1
  br label %loop
done:
  %l2 = call i32 @pthread_mutex_lock(ptr @mu)
  store i64 0, ptr @nworkers
  store i32 0, ptr @stopping
  %u2 = call i32 @pthread_mutex_unlock(ptr @mu)
  store atomic i32 0, ptr @busy release, align 4
  ret void
}}

; allow the pool again after a shutdown (tests; the atexit shutdown is final)
define void @mlir_py_parallel_reopen() {{
  store atomic i32 0, ptr @closed monotonic, align 4
  ret void
}}

; in a forked child: the parent's workers do not exist here
define void @mlir_py_parallel_after_fork() {{
  store i64 0, ptr @nworkers
  store i64 0, ptr @running
  store i32 0, ptr @open
  store i64 0, ptr @active
  store i32 0, ptr @stopping
  store atomic i32 0, ptr @busy monotonic, align 4
  %m = call i32 @pthread_mutex_init(ptr @mu, ptr null)
  %w = call i32 @pthread_cond_init(ptr @work_cv, ptr null)
  %d = call i32 @pthread_cond_init(ptr @done_cv, ptr null)
  ret void
}}
"""

__all__ = ["MAX_WORKERS", "PARALLEL_FOR", "RUNTIME_IR"]
