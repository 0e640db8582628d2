"""jtrans's own GEMM micro-kernels (AVX-512), used by the process-wide GEMM routine
(`drivers.gemm_library_ir`) in place of the BLAS where they apply.

`gemm_ir(dtype)` is the text of LLVM functions

    void jt_<s|d>gemm_tiles(ptr A, ptr B, ptr C, i64 K, i64 sai, i64 sak, i64 sbk, i64 sbj,
                            i64 ldc, i64 i0, i64 i1, i64 j0, i64 j1)

computing the block C[i0:i1, j0:j1] = op(A)[i0:i1, :] @ op(B)[:, j0:j1] of a row-major product,
where op(A)[i, k] is A[i * sai + k * sak] and op(B)[k, j] is B[k * sbk + j * sbj] (either layout
of each operand), C with row stride ldc.

The block is covered by register tiles of MR rows x NR columns (NR = two vectors): blocks of MC
rows of C, then column panels of NR, then blocks of KC of K; in there every row tile of C is
accumulated in registers (2 * MR accumulators, starting from C's tile after the first K block),
one vector FMA per (row, vector) per k with the row's A element broadcast, then stored. A is
read in place (its rows stream through the L1; the MC x KC block stays in the L2), and so is B
when its columns are contiguous (the KC x NR panel stays in the L1/L2 across the row tiles);
a transposed B's panel is transposed in registers into a 32 KiB stack panel first. On the
2-core AVX-512 machine this runs at ~105-112 GFLOP/s per core in float32 for the MLP step's
shapes, against ~98-101 for OpenBLAS's single-threaded sgemm, whose packing of the operands is
~15% of its time at m = 128 (benchmarks/NOTES.md, round 6). Row tiles shorter than MR
(M % MR) have their own kernels; the last column panel (N % NR) uses masked loads and stores.
"""

MR = 8  # rows per register tile
NV = 2  # vectors per tile row
SHORT = (4, 2, 1)  # the tiles that cover the last M % MR rows
MC = 512  # rows of C in a block: the block of A one K block reads (MC x KC) stays in the L2
KC = 256  # K is taken in blocks of KC: a packed panel (KC x NR) is 32 KiB


def _splat(out, name, ty, w, value):
    """`name` = a <w x ty> vector of `value` in every lane."""
    out.append(f"  {name}.0 = insertelement <{w} x {ty}> poison, {ty} {value}, i32 0")
    out.append(f"  {name} = shufflevector <{w} x {ty}> {name}.0, <{w} x {ty}> poison, "
               f"<{w} x i32> zeroinitializer")  # fmt: skip


def _tile(out, t, w, mr, masked):
    """The micro-kernel for an mr x (NV * w) tile (masked: the columns past `ncols` neither
    read nor written)."""
    V = f"<{w} x {t}>"
    name = f"jt_{t}_tile{mr}{'m' if masked else ''}"
    extra = ", i64 %ncols" if masked else ""
    out.append(f"define internal void @{name}(ptr noalias %A, ptr noalias %B, ptr noalias %C, "
               f"i64 %K, i64 %sai, i64 %sak, i64 %ldb, i64 %ldc, i64 %acc{extra}) {{")  # fmt: skip
    out.append("entry:")
    for r in range(mr):
        out.append(f"  %ao{r} = mul i64 {r}, %sai")
    if masked:
        mty = f"i{w}"
        for v in range(NV):
            # lanes lane < ncols - v * w: (1 << clamp(ncols - v*w, 0, w)) - 1
            out.append(f"  %n{v} = sub i64 %ncols, {v * w}")
            out.append(f"  %nl{v} = icmp slt i64 %n{v}, 0")
            out.append(f"  %nz{v} = select i1 %nl{v}, i64 0, i64 %n{v}")
            out.append(f"  %nh{v} = icmp sgt i64 %nz{v}, {w}")
            out.append(f"  %nc{v} = select i1 %nh{v}, i64 {w}, i64 %nz{v}")
            out.append(f"  %one{v} = shl i64 1, %nc{v}")
            out.append(f"  %bits{v} = sub i64 %one{v}, 1")
            out.append(f"  %tb{v} = trunc i64 %bits{v} to {mty}")
            out.append(f"  %mask{v} = bitcast {mty} %tb{v} to <{w} x i1>")

    def load(name, p, v):
        """Vector v of a tile row (masked past ncols in a masked tile)."""
        if masked:
            out.append(f"  {name} = call {V} @llvm.masked.load.v{w}{_sfx(t)}.p0(ptr {p}, i32 4, "
                       f"<{w} x i1> %mask{v}, {V} zeroinitializer)")  # fmt: skip
        else:
            out.append(f"  {name} = load {V}, ptr {p}, align 4")

    def store(value, p, v):
        if masked:
            out.append(f"  call void @llvm.masked.store.v{w}{_sfx(t)}.p0({V} {value}, ptr {p}, "
                       f"i32 4, <{w} x i1> %mask{v})")  # fmt: skip
        else:
            out.append(f"  store {V} {value}, ptr {p}, align 4")

    # the accumulators start from C's tile when acc != 0 (a later block of K), else from zero
    out.append("  %accb = icmp ne i64 %acc, 0")
    for r in range(mr):
        out.append(f"  %co{r} = mul i64 {r}, %ldc")
        for v in range(NV):
            out.append(f"  %co{r}_{v} = add i64 %co{r}, {v * w}")
            out.append(f"  %cp{r}_{v} = getelementptr {t}, ptr %C, i64 %co{r}_{v}")
            load(f"%cl{r}_{v}", f"%cp{r}_{v}", v)
            out.append(f"  %in{r}_{v} = select i1 %accb, {V} %cl{r}_{v}, {V} zeroinitializer")
    out.append("  %kpairs = and i64 %K, -2")
    out.append("  %any = icmp sgt i64 %kpairs, 0")
    out.append("  br i1 %any, label %loop, label %tail")

    def step(pa, pb, tag, acc_in):
        """One k: B's row at pb (NV vectors), A's column at pa (mr elements, broadcast)."""
        bs = []
        for v in range(NV):
            out.append(f"  %bp{tag}_{v} = getelementptr {t}, ptr {pb}, i64 {v * w}")
            load(f"%b{tag}_{v}", f"%bp{tag}_{v}", v)
            bs.append(f"%b{tag}_{v}")
        acc = {}
        for r in range(mr):
            out.append(f"  %ap{tag}_{r} = getelementptr {t}, ptr {pa}, i64 %ao{r}")
            out.append(f"  %a{tag}_{r} = load {t}, ptr %ap{tag}_{r}, align 4")
            _splat(out, f"%as{tag}_{r}", t, w, f"%a{tag}_{r}")
            for v in range(NV):
                name = f"%f{tag}_{r}_{v}"
                out.append(f"  {name} = call {V} @llvm.fma.v{w}{_sfx(t)}({V} %as{tag}_{r}, "
                           f"{V} {bs[v]}, {V} {acc_in[r, v]})")  # fmt: skip
                acc[r, v] = name
        return acc

    # the loop, two k per trip; the pointers to A's column and B's row advance by sak and ldb
    out.append("loop:")
    out.append("  %k = phi i64 [0, %entry], [%k2, %loop]")
    out.append("  %pa = phi ptr [%A, %entry], [%pa2, %loop]")
    out.append("  %pb = phi ptr [%B, %entry], [%pb2, %loop]")
    at = len(out)
    phis = {}
    for r in range(mr):
        for v in range(NV):
            phis[r, v] = f"%c{r}_{v}"
    acc = step("%pa", "%pb", "x", phis)
    out.append(f"  %pa1 = getelementptr {t}, ptr %pa, i64 %sak")
    out.append(f"  %pb1 = getelementptr {t}, ptr %pb, i64 %ldb")
    acc = step("%pa1", "%pb1", "y", acc)
    out[at:at] = [f"  {name} = phi {V} [%in{r}_{v}, %entry], [{acc[r, v]}, %loop]"
                  for (r, v), name in phis.items()]
    out.append(f"  %pa2 = getelementptr {t}, ptr %pa1, i64 %sak")
    out.append(f"  %pb2 = getelementptr {t}, ptr %pb1, i64 %ldb")
    out.append("  %k2 = add i64 %k, 2")
    out.append("  %more = icmp slt i64 %k2, %kpairs")
    out.append("  br i1 %more, label %loop, label %tail")
    # an odd last k
    out.append("tail:")
    done = {}
    for r in range(mr):
        for v in range(NV):
            done[r, v] = f"%t{r}_{v}"
            out.append(f"  %t{r}_{v} = phi {V} [%in{r}_{v}, %entry], [{acc[r, v]}, %loop]")
    out.append("  %pat = phi ptr [%A, %entry], [%pa2, %loop]")
    out.append("  %pbt = phi ptr [%B, %entry], [%pb2, %loop]")
    out.append("  %odd = icmp slt i64 %kpairs, %K")
    out.append("  br i1 %odd, label %last, label %store")
    out.append("last:")
    last = step("%pat", "%pbt", "z", done)
    out.append("  br label %store")
    out.append("store:")
    out.extend(f"  %s{r}_{v} = phi {V} [{done[r, v]}, %tail], [{last[r, v]}, %last]"
               for r in range(mr) for v in range(NV))
    for r in range(mr):
        for v in range(NV):
            store(f"%s{r}_{v}", f"%cp{r}_{v}", v)
    out.append("  ret void")
    out.append("}")
    return name


def _pack(out, t, w):
    """`jt_<t>_pack(P, B, kc, sbj, ncols)`: a panel of a transposed B (element (k, j) at
    B + j * sbj + k) copied into P as rows of NR (P[k, j] = B[j, k] for k < kc and j < ncols,
    zero for j >= ncols): w x w blocks loaded a row at a time (masked past kc and ncols),
    transposed in registers and stored as rows of P."""
    V = f"<{w} x {t}>"
    out.append(f"define internal void @jt_{t}_pack(ptr noalias %P, ptr noalias %B, i64 %kc, "
               "i64 %sbj, i64 %ncols) {")  # fmt: skip
    out.append("entry:")
    lanes = ", ".join(f"i64 {i}" for i in range(w))
    out.append("  br label %loop")
    out.append("loop:")
    out.append("  %k = phi i64 [0, %entry], [%kn, %loop]")
    out.append("  %kleft = sub i64 %kc, %k")
    _splat(out, "%kl", "i64", w, "%kleft")
    out.append(f"  %kmask = icmp slt <{w} x i64> <{lanes}>, %kl")
    for h in range(NV):
        rows = []
        for r in range(w):
            jj = h * w + r
            tag = f"{h}_{r}"
            out.append(f"  %in{tag} = icmp slt i64 {jj}, %ncols")
            out.append(f"  %m{tag} = select i1 %in{tag}, <{w} x i1> %kmask, "
                       f"<{w} x i1> zeroinitializer")  # fmt: skip
            out.append(f"  %ro{tag} = mul i64 {jj}, %sbj")
            out.append(f"  %rk{tag} = add i64 %ro{tag}, %k")
            out.append(f"  %rp{tag} = getelementptr {t}, ptr %B, i64 %rk{tag}")
            out.append(f"  %x{tag}_0 = call {V} @llvm.masked.load.v{w}{_sfx(t)}.p0(ptr %rp{tag}, "
                       f"i32 4, <{w} x i1> %m{tag}, {V} zeroinitializer)")  # fmt: skip
            rows.append(f"%x{tag}_0")
        # transpose: swap the off-diagonal d x d blocks of every 2d x 2d block, d = w/2 ... 1
        d, stage = w // 2, 0
        while d:
            stage += 1
            new = list(rows)
            for i in range(w):
                if i & d:
                    continue
                lo = [c if not c & d else w + c - d for c in range(w)]
                hi = [c + d if not c & d else w + c for c in range(w)]
                for dst, mask in ((i, lo), (i + d, hi)):
                    name = f"%x{h}_{dst}_{stage}"
                    ms = ", ".join(f"i32 {x}" for x in mask)
                    out.append(f"  {name} = shufflevector {V} {rows[i]}, {V} {rows[i + d]}, "
                               f"<{w} x i32> <{ms}>")  # fmt: skip
                    new[dst] = name
            rows = new
            d //= 2
        for c in range(w):
            tag = f"{h}_{c}"
            out.append(f"  %kc{tag} = add i64 %k, {c}")
            out.append(f"  %po{tag} = mul i64 %kc{tag}, {NV * w}")
            out.append(f"  %pi{tag} = add i64 %po{tag}, {h * w}")
            out.append(f"  %pp{tag} = getelementptr {t}, ptr %P, i64 %pi{tag}")
            out.append(f"  store {V} {rows[c]}, ptr %pp{tag}, align 64")
    out.append(f"  %kn = add i64 %k, {w}")
    out.append("  %more = icmp slt i64 %kn, %kc")
    out.append("  br i1 %more, label %loop, label %done")
    out.append("done:")
    out.append("  ret void")
    out.append("}")


def _sfx(t):
    return "f32" if t == "float" else "f64"


def gemm_ir(dtype):
    """The text of `jt_<s|d>gemm_tiles` and its micro-kernels for float32 or float64."""
    t, w, s = ("float", 16, "s") if dtype == "float32" else ("double", 8, "d")
    V = f"<{w} x {t}>"
    nr = NV * w
    out = [
        f"declare {V} @llvm.fma.v{w}{_sfx(t)}({V}, {V}, {V})",
        f"declare {V} @llvm.masked.load.v{w}{_sfx(t)}.p0(ptr, i32, <{w} x i1>, {V})",
        f"declare void @llvm.masked.store.v{w}{_sfx(t)}.p0({V}, ptr, i32, <{w} x i1>)",
    ]
    full = {mr: _tile(out, t, w, mr, False) for mr in SHORT + (MR,)}
    part = {mr: _tile(out, t, w, mr, True) for mr in SHORT + (MR,)}
    args = "ptr %A, ptr %B, ptr %C, i64 %K, i64 %sai, i64 %sak, i64 %ldb, i64 %ldc"
    # one row range [i0, i1) of a column panel: whole row tiles, then the short one
    for kind, fns, extra in (("full", full, ""), ("part", part, ", i64 %ncols")):
        out.append(f"define internal void @jt_{t}_rows_{kind}({args}, i64 %acc, i64 %i0, i64 %i1"
                   f"{extra}) {{")  # fmt: skip
        out.append("entry:")
        out.append("  %span = sub i64 %i1, %i0")
        out.append(f"  %rem = srem i64 %span, {MR}")
        out.append("  %iend = sub i64 %i1, %rem")
        out.append("  %go = icmp slt i64 %i0, %iend")
        out.append("  br i1 %go, label %loop, label %short")
        out.append("loop:")
        out.append("  %i = phi i64 [%i0, %entry], [%inext, %loop]")
        out.append("  %aoff = mul i64 %i, %sai")
        out.append(f"  %ai = getelementptr {t}, ptr %A, i64 %aoff")
        out.append("  %coff = mul i64 %i, %ldc")
        out.append(f"  %ci = getelementptr {t}, ptr %C, i64 %coff")
        fwd = ", i64 %acc, i64 %ncols" if extra else ", i64 %acc"
        out.append(f"  call void @{fns[MR]}(ptr %ai, ptr %B, ptr %ci, i64 %K, i64 %sai, i64 %sak, "
                   f"i64 %ldb, i64 %ldc{fwd})")  # fmt: skip
        out.append(f"  %inext = add i64 %i, {MR}")
        out.append("  %more = icmp slt i64 %inext, %iend")
        out.append("  br i1 %more, label %loop, label %short")
        out.append("short:")
        # the last rem < MR rows: one tile of each size in SHORT that rem's binary digits name
        row, prev = "%iend", "short"
        for n, mr in enumerate(SHORT):
            out.append(f"  %has{n} = and i64 %rem, {mr}")
            out.append(f"  %do{n} = icmp ne i64 %has{n}, 0")
            out.append(f"  br i1 %do{n}, label %t{n}, label %s{n}")
            out.append(f"t{n}:")
            out.append(f"  %ao{n} = mul i64 {row}, %sai")
            out.append(f"  %at{n} = getelementptr {t}, ptr %A, i64 %ao{n}")
            out.append(f"  %co{n} = mul i64 {row}, %ldc")
            out.append(f"  %ct{n} = getelementptr {t}, ptr %C, i64 %co{n}")
            out.append(f"  call void @{fns[mr]}(ptr %at{n}, ptr %B, ptr %ct{n}, i64 %K, i64 %sai, "
                       f"i64 %sak, i64 %ldb, i64 %ldc{fwd})")  # fmt: skip
            out.append(f"  %past{n} = add i64 {row}, {mr}")
            out.append(f"  br label %s{n}")
            out.append(f"s{n}:")
            out.append(f"  %row{n} = phi i64 [{row}, %{prev}], [%past{n}, %t{n}]")
            row, prev = f"%row{n}", f"s{n}"
        out.append("  br label %done")
        out.append("done:")
        out.append("  ret void")
        out.append("}")
    _pack(out, t, w)
    # one column panel (ncols <= nr columns) over blocks of KC of K: B's panel read in place
    # where its columns are contiguous (sbj == 1), else transposed into P first
    out.append(f"define internal void @jt_{t}_panel(ptr %A, ptr %B, ptr %C, i64 %K, i64 %sai, "
               "i64 %sak, i64 %sbk, i64 %sbj, i64 %ldc, i64 %i0, i64 %i1, i64 %ncols, "
               "ptr %P) {")  # fmt: skip
    out.append("entry:")
    out.append("  %direct = icmp eq i64 %sbj, 1")
    out.append(f"  %whole = icmp eq i64 %ncols, {nr}")
    out.append("  br label %kloop")
    out.append("kloop:")
    out.append("  %kb = phi i64 [0, %entry], [%kbn, %next]")
    out.append("  %left = sub i64 %K, %kb")
    out.append(f"  %big = icmp sgt i64 %left, {KC}")
    out.append(f"  %kc = select i1 %big, i64 {KC}, i64 %left")
    out.append("  %aoff = mul i64 %kb, %sak")
    out.append(f"  %ak = getelementptr {t}, ptr %A, i64 %aoff")
    out.append("  %boff = mul i64 %kb, %sbk")
    out.append(f"  %bk = getelementptr {t}, ptr %B, i64 %boff")
    out.append("  %notfirst = icmp sgt i64 %kb, 0")
    out.append("  %acc = zext i1 %notfirst to i64")
    out.append("  br i1 %direct, label %go, label %pack")
    out.append("pack:")
    out.append(f"  call void @jt_{t}_pack(ptr %P, ptr %bk, i64 %kc, i64 %sbj, i64 %ncols)")
    out.append("  br label %go")
    out.append("go:")
    out.append("  %bp = phi ptr [%bk, %kloop], [%P, %pack]")
    out.append(f"  %ldb = select i1 %direct, i64 %sbk, i64 {nr}")
    out.append("  br i1 %whole, label %full, label %part")
    out.append("full:")
    out.append(f"  call void @jt_{t}_rows_full(ptr %ak, ptr %bp, ptr %C, i64 %kc, i64 %sai, "
               "i64 %sak, i64 %ldb, i64 %ldc, i64 %acc, i64 %i0, i64 %i1)")  # fmt: skip
    out.append("  br label %next")
    out.append("part:")
    out.append(f"  call void @jt_{t}_rows_part(ptr %ak, ptr %bp, ptr %C, i64 %kc, i64 %sai, "
               "i64 %sak, i64 %ldb, i64 %ldc, i64 %acc, i64 %i0, i64 %i1, i64 %ncols)")  # fmt: skip
    out.append("  br label %next")
    out.append("next:")
    out.append("  %kbn = add i64 %kb, %kc")
    out.append("  %more = icmp slt i64 %kbn, %K")
    out.append("  br i1 %more, label %kloop, label %done")
    out.append("done:")
    out.append("  ret void")
    out.append("}")
    # the block: column panels of nr (the last one narrower)
    out.append(f"define void @jt_{s}gemm_tiles(ptr %A, ptr %B, ptr %C, i64 %K, i64 %sai, "
               "i64 %sak, i64 %sbk, i64 %sbj, i64 %ldc, i64 %i0, i64 %i1, i64 %j0, "
               "i64 %j1) {")  # fmt: skip
    out.append("entry:")
    out.append(f"  %P = alloca {t}, i64 {KC * nr}, align 64")
    out.append("  %go = icmp slt i64 %j0, %j1")
    out.append("  %gi = icmp slt i64 %i0, %i1")
    out.append("  %both = and i1 %go, %gi")
    out.append("  br i1 %both, label %rows, label %done")
    # blocks of MC rows of C: the block of A a K block reads (MC x KC) stays in the L2
    out.append("rows:")
    out.append("  %ib = phi i64 [%i0, %entry], [%ibn, %rowsdone]")
    out.append(f"  %ibe0 = add i64 %ib, {MC}")
    out.append("  %ibfull = icmp slt i64 %ibe0, %i1")
    out.append("  %ibe = select i1 %ibfull, i64 %ibe0, i64 %i1")
    out.append("  br label %loop")
    out.append("loop:")
    out.append("  %j = phi i64 [%j0, %rows], [%jn, %loop]")
    out.append("  %left = sub i64 %j1, %j")
    out.append(f"  %wide = icmp sgt i64 %left, {nr}")
    out.append(f"  %nc = select i1 %wide, i64 {nr}, i64 %left")
    out.append("  %bo = mul i64 %j, %sbj")
    out.append(f"  %bj = getelementptr {t}, ptr %B, i64 %bo")
    out.append(f"  %cj = getelementptr {t}, ptr %C, i64 %j")
    out.append(f"  call void @jt_{t}_panel(ptr %A, ptr %bj, ptr %cj, i64 %K, i64 %sai, i64 %sak, "
               "i64 %sbk, i64 %sbj, i64 %ldc, i64 %ib, i64 %ibe, i64 %nc, ptr %P)")  # fmt: skip
    out.append("  %jn = add i64 %j, %nc")
    out.append("  %more = icmp slt i64 %jn, %j1")
    out.append("  br i1 %more, label %loop, label %rowsdone")
    out.append("rowsdone:")
    out.append("  %ibn = add i64 %ib, " + str(MC))
    out.append("  %morerows = icmp slt i64 %ibn, %i1")
    out.append("  br i1 %morerows, label %rows, label %done")
    out.append("done:")
    out.append("  ret void")
    out.append("}")
    return "\n".join(out) + "\n"
