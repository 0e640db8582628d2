"""LLVM IR text built cheaply: the subset of `llvmlite.ir` that the LLVM renderer (llvm.py,
control.py, conv.py, indexing.py, mathlib.py, sort.py) uses, with llvmlite's API and output.

llvmlite.ir keeps an object graph per instruction and formats it when the module is printed
(~12 us an instruction, and again as much in `str(module)`). Here an instruction is formatted
once, when it is built, into one string appended to its block (phi and switch, which grow after
they are built, stay objects until printing). Invariant: the text is llvmlite's, byte for byte
(tests/test_fastir.py): names are uniqued per function as llvmlite does (unnamed values get
`.1`, `.2`... in creation order, every instruction and block taking a number), constants print
as llvmlite prints them, typed pointers (`float*`) included. Types are interned: equality is
identity. JTRANS_LLVMLITE_IR=1 in the environment (read at import) makes this module re-export
llvmlite.ir instead, the reference the tests compare against.
"""

import contextlib
import os
import re
import struct

_SIMPLE_NAME = re.compile(r"[-a-zA-Z$._][-a-zA-Z$._0-9]*$")
# bytes a string constant (c"...") keeps as they are; others are written \hh
_PRINTABLE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_PRINTABLE |= frozenset(b" !#$%&'()*+,-./:;<=>?@[]^_`{|}~")
_D, _Q, _F, _E = (struct.Struct(f) for f in ("<d", "<Q", "<f", "<e"))


class DuplicatedNameError(NameError):
    pass


def _quote(name, prefix):
    if '"' in name or "\\" in name:
        name = name.replace("\\", "\\5c").replace('"', "\\22")
    return f'{prefix}"{name}"'


def _hex(v):
    """A float constant as llvmlite prints it: its double's bits in hex, padded to 16."""
    return f"{_Q.unpack(_D.pack(v))[0]:#16x}"


class _Scope:
    """llvmlite's NameScope: a taken name gets `.1`, `.2`... appended (counted per base name)."""

    __slots__ = ("bases", "used")

    def __init__(self):
        self.used, self.bases = {""}, {}

    def register(self, name, deduplicate=True):
        if name in self.used:
            if not deduplicate:
                raise DuplicatedNameError(name)
            name = self.deduplicate(name)
        self.used.add(name)
        return name

    def anon(self):
        """register(""), fast."""
        used, i = self.used, self.bases.get("", 0) + 1
        while f".{i}" in used:
            i += 1
        self.bases[""] = i
        used.add(name := f".{i}")
        return name

    def deduplicate(self, name):
        used, bases, base = self.used, self.bases, name
        while name in used:
            i = bases[base] = bases.get(base, 0) + 1
            name = f"{base}.{i}"
        return name


# ---------------------------------------------------------------------------------------------
# types: interned; `s` is the text


class Type:
    null = "zeroinitializer"
    is_pointer = False

    def __str__(self):
        return self.s

    def __repr__(self):
        return f"<fastir {type(self).__name__} {self.s}>"

    def as_pointer(self, addrspace=0):
        return PointerType(self, addrspace)

    def __call__(self, value):
        return Constant(self, value)

    def _fmt(self, value):
        return str(value)


_types = {}


def _intern(cls, key, **attrs):
    t = _types.get(key)
    if t is None:
        t = _types[key] = object.__new__(cls)
        t.__dict__.update(attrs)
    return t


class IntType(Type):
    null = "0"

    def __new__(cls, bits):
        return _intern(cls, (cls, bits), width=bits, s=f"i{bits}", intrinsic_name=f"i{bits}",
                       _consts={})  # fmt: skip

    def __call__(self, value):  # int constants are immutable: the first 4096 made are shared
        if type(value) is not int:
            return Constant(self, value)
        c = self._consts.get(value)
        if c is None:
            c = Constant(self, value)
            if len(self._consts) < 4096:
                self._consts[value] = c
        return c

    def _fmt(self, value):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)


class _Singleton(Type):
    def __new__(cls):
        return _intern(cls, cls)


def _as_half(v):
    try:
        return _E.unpack(_E.pack(v))[0]
    except struct.error:  # as llvmlite
        return _F.unpack(_F.pack(v))[0]


class _Float(_Singleton):
    """A float constant is rounded to the type, then printed as a double (llvmlite's way)."""

    null = "0.0"

    def _fmt(self, value):
        return _hex(self._round(value))


class HalfType(_Float):
    s, intrinsic_name, _round = "half", "f16", staticmethod(_as_half)


class FloatType(_Float):
    s, intrinsic_name, _round = "float", "f32", staticmethod(lambda v: _F.unpack(_F.pack(v))[0])


class DoubleType(_Float):
    s, intrinsic_name, _round = "double", "f64", float


class VoidType(_Singleton):
    s = "void"


class LabelType(_Singleton):
    s = "label"


class PointerType(Type):
    """`T*` (typed, as llvmlite prints today) or, without a pointee, the opaque `ptr`."""

    null, is_pointer = "null", True

    def __new__(cls, pointee=None, addrspace=0):
        space = f" addrspace({addrspace})" if addrspace else ""
        s = "ptr" + space if pointee is None else f"{pointee.s}{space}*"
        return _intern(cls, (cls, pointee, addrspace), pointee=pointee, addrspace=addrspace,
                       is_opaque=pointee is None, s=s)  # fmt: skip


class ArrayType(Type):
    def __new__(cls, element, count):
        return _intern(cls, (cls, element, count), element=element, count=count,
                       s=f"[{count} x {element.s}]")  # fmt: skip

    elements = property(lambda self: (self.element,) * self.count)

    def _fmt(self, value):
        return f"[{_operands(_wrap(self.elements, value))}]"


class VectorType(Type):
    def __new__(cls, element, count):
        return _intern(cls, (cls, element, count), element=element, count=count,
                       s=f"<{count} x {element.s}>")  # fmt: skip

    elements = property(lambda self: (self.element,) * self.count)

    def _fmt(self, value):
        return f"<{_operands(_wrap(self.elements, value))}>"


class LiteralStructType(Type):
    def __new__(cls, elems, packed=False):
        elems = tuple(elems)
        s = "{" + ", ".join(e.s for e in elems) + "}"
        return _intern(cls, (cls, elems, packed), elements=elems, packed=packed,
                       s=f"<{s}>" if packed else s)  # fmt: skip

    def _fmt(self, value):
        s = "{" + _operands(_wrap(self.elements, value)) + "}"
        return f"<{s}>" if self.packed else s


class FunctionType(Type):
    def __new__(cls, return_type, args, var_arg=False):
        args = tuple(args)
        parts = ", ".join([a.s for a in args] + (["..."] if var_arg else []))
        return _intern(cls, (cls, return_type, args, var_arg), return_type=return_type,
                       args=args, var_arg=var_arg, s=f"{return_type.s} ({parts})")  # fmt: skip


def _wrap(types, values):
    return [v if isinstance(v, Value) else Constant(t, v) for t, v in zip(types, values)]


def _operands(vals):
    return ", ".join(f"{v.type.s} {v.ref}" for v in vals)


# ---------------------------------------------------------------------------------------------
# values: `type`, and `ref`, the text naming the value in an operand


class Value:
    __slots__ = ("ref", "type")

    def get_reference(self):
        return self.ref

    def __str__(self):
        return f"{self.type.s} {self.ref}"

    def __repr__(self):
        return f"<fastir {type(self).__name__} {self}>"


class Constant(Value):
    __slots__ = ("constant",)

    def __init__(self, typ, constant):
        self.type, self.constant = typ, constant
        if constant is None:
            self.ref = typ.null
        elif isinstance(constant, (bytes, bytearray)):
            esc = "".join(chr(c) if c in _PRINTABLE else f"\\{c:02x}" for c in constant)
            self.ref = f'c"{esc}"'
        else:
            self.ref = typ._fmt(constant)

    def __eq__(self, other):  # as llvmlite: equal text
        return isinstance(other, Constant) and other.type is self.type and other.ref == self.ref

    def __hash__(self):
        return hash(self.ref)


class NamedValue(Value):
    __slots__ = ("name", "parent")


class Instruction(NamedValue):
    __slots__ = ()


class Argument(NamedValue):
    __slots__ = ("attributes",)

    def add_attribute(self, attr):
        self.attributes.add(attr)

    def _text(self):
        attrs = "".join(a + " " for a in sorted(self.attributes))
        return f"{self.type.s} {attrs}{self.ref}"


class PhiInstr(Instruction):
    __slots__ = ("incomings",)

    def add_incoming(self, value, block):
        self.incomings.append((value, block))

    def _text(self):
        incs = ", ".join(f"[{v.ref}, {b.ref}]" for v, b in self.incomings)
        return f"{self.ref} = phi  {self.type.s} {incs}".rstrip()


class SwitchInstr(Instruction):
    __slots__ = ("cases", "default", "value")

    def add_case(self, val, block):
        if not isinstance(val, Value):
            val = Constant(self.value.type, val)
        self.cases.append((val, block))

    def _text(self):
        cases = " ".join(f"{v.type.s} {v.ref}, label {b.ref}" for v, b in self.cases)
        v = self.value
        return f"switch {v.type.s} {v.ref}, label {self.default.ref} [{cases}]"


class Block(NamedValue):
    """`lines`: the instructions' text (or a phi/switch object); `terminator`: the last one's."""

    __slots__ = ("lines", "terminator")

    def __init__(self, parent, name=""):
        self.parent, self.type = parent, LabelType()
        self.name = parent.scope.register(name)
        self.ref = _quote(self.name, "%")
        self.lines, self.terminator = [], None

    function = property(lambda self: self.parent)
    is_terminated = property(lambda self: self.terminator is not None)

    def _text(self, out):
        name = self.name
        out.append(f"{name}:\n" if _SIMPLE_NAME.match(name) else f"{_quote(name, '')}:\n")
        out += [f"  {x}\n" if type(x) is str else f"  {x._text()}\n" for x in self.lines]


class _Global(NamedValue):
    __slots__ = ("__dict__", "linkage")

    def __init__(self, module, typ, name):
        self.parent, self.type, self.linkage = module, typ, ""
        self.name = module.scope.register(name, deduplicate=False)
        self.ref = _quote(self.name, "@")
        module.globals[self.name] = self

    module = property(lambda self: self.parent)

    def __str__(self):
        out = []
        self._text(out)
        return "".join(out)


class Function(_Global):
    def __init__(self, module, ftype, name):
        super().__init__(module, ftype.as_pointer(), name)
        self.ftype, self.scope, self.blocks = ftype, _Scope(), []
        self.attributes, self.calling_convention = set(), ""
        args = []
        for t in ftype.args:
            a = Argument.__new__(Argument)
            a.parent, a.type, a.attributes, a.name = self, t, set(), self.scope.anon()
            a.ref = f'%"{a.name}"'
            args.append(a)
        self.args = tuple(args)
        self.scope.anon()  # llvmlite's ReturnValue takes a name

    function_type = property(lambda self: self.ftype)
    basic_blocks = property(lambda self: self.blocks)
    entry_basic_block = property(lambda self: self.blocks[0])
    is_declaration = property(lambda self: not self.blocks)

    def append_basic_block(self, name=""):
        blk = Block(self, name)
        self.blocks.append(blk)
        return blk

    def _text(self, out):
        head = ("define" if self.blocks else "declare", self.linkage, self.calling_convention,
                self.ftype.return_type.s)  # fmt: skip
        args = ", ".join(a._text() for a in self.args)
        if self.ftype.var_arg:
            args += ", ..." if args else "..."
        attrs = "".join(" " + a for a in sorted(self.attributes))
        out.append(f"{' '.join(x for x in head if x)} {self.ref}({args}){attrs}\n")
        if self.blocks:
            out.append("{\n")
            for blk in self.blocks:
                blk._text(out)
            out.append("}\n")


class GlobalVariable(_Global):
    def __init__(self, module, typ, name):
        super().__init__(module, typ.as_pointer(), name)
        self.value_type, self.initializer, self.global_constant = typ, None, False

    def _text(self, out):
        init = self.initializer
        linkage = self.linkage or ("external" if init is None else "")
        kind = "constant" if self.global_constant else "global"
        text = f"{self.ref} = {linkage + ' ' if linkage else ''}{kind} {self.value_type.s}"
        if init is not None:
            if init.type is not self.value_type:
                raise TypeError(f"got initializer of type {init.type} for global value type "
                                f"{self.value_type}")  # fmt: skip
            text += " " + init.ref
        elif linkage not in ("external", "extern_weak"):
            text += " undef"
        out.append(text)


class Module:
    def __init__(self, name="", context=None):
        self.name, self.data_layout, self.triple = name, "", "unknown-unknown-unknown"
        self.scope, self.globals = _Scope(), {}

    functions = property(lambda self: [v for v in self.globals.values() if type(v) is Function])
    global_values = property(lambda self: self.globals.values())

    def get_global(self, name):
        return self.globals[name]

    def get_unique_name(self, name=""):
        return self.scope.deduplicate(name)

    def __str__(self):
        head = f'; ModuleID = "{self.name}"\ntarget triple = "{self.triple}"\n'
        out = [head, f'target datalayout = "{self.data_layout}"\n']
        for g in self.globals.values():
            out.append("\n")
            g._text(out)
        return "".join(out)

    __repr__ = __str__


# ---------------------------------------------------------------------------------------------
# the builder: each method formats its instruction at once


def _binop(opname):
    def op(self, lhs, rhs, name="", flags=()):
        ty = lhs.type
        if rhs.type is not ty:
            raise ValueError(f"Operands must be the same type, got ({ty}, {rhs.type})")
        v = self._value(ty, name)
        opn = " ".join((opname, *flags)) if flags else opname
        self._add(f"{v.ref} = {opn} {ty.s} {lhs.ref}, {rhs.ref}")
        return v

    op.__name__ = opname
    return op


def _castop(opname):
    def op(self, val, typ, name=""):
        if val.type is typ:
            return val
        v = self._value(typ, name)
        self._add(f"{v.ref} = {opname} {val.type.s} {val.ref} to {typ.s}")
        return v

    op.__name__ = opname
    return op


def _cmpop(kind, table):
    def op(self, cmpop, lhs, rhs, name="", flags=()):
        cmp = table.get(cmpop, cmpop if kind == "fcmp" else None)
        if cmp not in _CMP_OPS[kind]:
            raise ValueError(f"invalid comparison {cmpop!r} for {kind}")
        v = self._value(_I1, name)
        fl = "".join(" " + f for f in flags)
        self._add(f"{v.ref} = {kind}{fl} {cmp} {lhs.type.s} {lhs.ref}, {rhs.ref}")
        return v

    return op


_CMP = {">": "gt", "<": "lt", ">=": "ge", "<=": "le"}
_EQ = {"==": "eq", "!=": "ne"}
_CMP_OPS = {"icmp": {"eq", "ne", "ugt", "uge", "ult", "ule", "sgt", "sge", "slt", "sle"},
            "fcmp": {"false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt",
                     "uge", "ult", "ule", "une", "uno", "true"}}  # fmt: skip
_I1, _I32 = IntType(1), IntType(32)


def _label_suffix(label, suffix):
    return label[:25] + ".." + suffix if len(label) > 50 else label + suffix


class IRBuilder:
    def __init__(self, block=None):
        self._block, self._anchor = block, None  # anchor None: append at the end

    block = basic_block = property(lambda self: self._block)
    function = property(lambda self: self._block.parent)
    module = property(lambda self: self._block.parent.parent)

    def position_at_end(self, block):
        self._block, self._anchor = block, None

    def append_basic_block(self, name=""):
        return self._block.parent.append_basic_block(name)

    def _add(self, line):
        if self._anchor is None:
            self._block.lines.append(line)
        else:
            self._block.lines.insert(self._anchor, line)
            self._anchor += 1

    def _value(self, ty, name, cls=Instruction):
        v = cls.__new__(cls)
        v.type, v.parent = ty, self._block
        if name:
            n = v.name = self._block.parent.scope.register(name)
            v.ref = _quote(n, "%")
        else:
            n = v.name = self._block.parent.scope.anon()
            v.ref = f'%"{n}"'
        return v

    def _terminate(self, line):
        blk = self._block
        assert blk.terminator is None, "block already terminated"
        blk.parent.scope.anon()
        self._add(line)
        blk.terminator = line
        return line

    shl, lshr, ashr = _binop("shl"), _binop("lshr"), _binop("ashr")
    add, sub, mul = _binop("add"), _binop("sub"), _binop("mul")
    fadd, fsub, fmul, fdiv, frem = (_binop(n) for n in ("fadd", "fsub", "fmul", "fdiv", "frem"))
    udiv, sdiv, urem, srem = _binop("udiv"), _binop("sdiv"), _binop("urem"), _binop("srem")
    and_, or_, xor = _binop("and"), _binop("or"), _binop("xor")
    trunc, zext, sext = _castop("trunc"), _castop("zext"), _castop("sext")
    fptrunc, fpext, bitcast = _castop("fptrunc"), _castop("fpext"), _castop("bitcast")
    fptoui, uitofp, fptosi, sitofp = (_castop(n) for n in ("fptoui", "uitofp", "fptosi", "sitofp"))
    ptrtoint, inttoptr = _castop("ptrtoint"), _castop("inttoptr")
    icmp_signed = _cmpop("icmp", {**_EQ, **{k: "s" + v for k, v in _CMP.items()}})
    icmp_unsigned = _cmpop("icmp", {**_EQ, **{k: "u" + v for k, v in _CMP.items()}})
    fcmp_ordered = _cmpop("fcmp", {k: "o" + v for k, v in {**_EQ, **_CMP}.items()})
    fcmp_unordered = _cmpop("fcmp", {k: "u" + v for k, v in {**_EQ, **_CMP}.items()})

    def not_(self, value, name=""):
        return self.xor(value, Constant(value.type, -1), name=name)

    def neg(self, value, name=""):
        return self.sub(Constant(value.type, 0), value, name=name)

    def fneg(self, arg, name="", flags=()):
        v = self._value(arg.type, name)
        self._add(f"{v.ref} = {' '.join(('fneg', *flags))} {arg.type.s} {arg.ref}")
        return v

    def insert_element(self, vector, value, idx, name=""):
        v = self._value(vector.type, name)
        self._add(f"{v.ref} = insertelement {vector.type.s} {vector.ref}, {value.type.s} "
                  f"{value.ref}, {idx.type.s} {idx.ref}")  # fmt: skip
        return v

    def select(self, cond, lhs, rhs, name="", flags=()):
        ty = lhs.type
        assert rhs.type is ty, (ty, rhs.type)
        v = self._value(ty, name)
        self._add(f"{v.ref} = select {' '.join(flags)} {cond.type.s} {cond.ref}, {ty.s} "
                  f"{lhs.ref}, {ty.s} {rhs.ref}")  # fmt: skip
        return v

    def alloca(self, typ, size=None, name=""):
        if size is not None and not isinstance(size, Value):
            size = Constant(_I32, size)
        v = self._value(typ.as_pointer(), name)
        count = "" if size is None else f", {size.type.s} {size.ref}"
        self._add(f"{v.ref} = alloca {typ.s}{count}")
        return v

    def load(self, ptr, name="", align=None, typ=None):
        pty = ptr.type
        if not pty.is_pointer:
            raise TypeError(f"cannot load from value of type {pty}: not a pointer")
        ty = typ or pty.pointee
        v = self._value(ty, name)
        al = "" if align is None else f", align {align}"
        self._add(f"{v.ref} = load {ty.s}, {pty.s} {ptr.ref}{al}")
        return v

    def store(self, value, ptr, align=None):
        pty = ptr.type
        if not pty.is_pointer or (pty.pointee is not None and pty.pointee is not value.type):
            raise TypeError(f"cannot store {value.type} to {pty}: mismatching types")
        self._block.parent.scope.anon()
        al = "" if align is None else f", align {align}"
        self._add(line := f"store {value.type.s} {value.ref}, {pty.s} {ptr.ref}{al}")
        return line

    def gep(self, ptr, indices, inbounds=False, name=""):
        pty = ty = ptr.type
        if len(indices) > 1:  # llvmlite's typed-pointer rule: the last element type's pointer
            for i in indices:
                last = ty
                ty = ty.pointee if ty.is_pointer else (
                    ty.element if type(ty) is ArrayType else ty.elements[i.constant])  # fmt: skip
            ty = last if (not ty.is_pointer and last.is_pointer) else ty.as_pointer()
            idx = ", ".join(f"{i.type.s} {i.ref}" for i in indices)
        else:
            idx = f"{indices[0].type.s} {indices[0].ref}"
        v = self._value(ty, name)
        op = "getelementptr inbounds" if inbounds else "getelementptr"
        self._add(f"{v.ref} = {op} {pty.pointee.s}, {pty.s} {ptr.ref}, {idx}")
        return v

    def call(self, fn, args, name="", cconv=None, tail=False, fastmath=(), attrs=(),
             arg_attrs=None):  # fmt: skip
        if cconv or tail or fastmath or attrs or arg_attrs:
            raise NotImplementedError("fastir.call: cconv/tail/fastmath/attrs are not supported")
        fty = fn.ftype if type(fn) is Function else fn.type.pointee
        for k, (a, t) in enumerate(zip(args, fty.args)):
            if a.type is not t:
                raise TypeError(f"Type of #{k + 1} arg mismatch: {t} != {a.type}")
        ops = ", ".join(f"{a.type.s} {a.ref}" for a in args)
        rty = fty.return_type
        callee = f"{(fty if fty.var_arg else rty).s} {fn.ref}({ops})"
        v = self._value(rty, name)
        self._add(f"call {callee}" if type(rty) is VoidType else f"{v.ref} = call {callee}")
        return v

    def ret_void(self):
        return self._terminate("ret void")

    def ret(self, value):
        return self._terminate(f"ret {value.type.s} {value.ref}")

    def branch(self, target):
        return self._terminate(f"br label {target.ref}")

    def cbranch(self, cond, truebr, falsebr):
        return self._terminate(f"br {cond.type.s} {cond.ref}, label {truebr.ref}, label "
                               f"{falsebr.ref}")  # fmt: skip

    def switch(self, value, default):
        sw = SwitchInstr.__new__(SwitchInstr)
        sw.type, sw.parent, sw.name, sw.ref = VoidType(), self._block, "", ""
        sw.value, sw.default, sw.cases = value, default, []
        return self._terminate(sw)

    def phi(self, typ, name="", flags=()):
        if flags:
            raise NotImplementedError("fastir.phi: flags are not supported")
        v = self._value(typ, name, PhiInstr)
        v.incomings = []
        self._add(v)
        return v

    # -- llvmlite's positioning helpers (with its block names)

    @contextlib.contextmanager
    def goto_block(self, block):
        """At the end of `block`, before its terminator if it has one."""
        old = self._block
        self._block = block
        self._anchor = None if block.terminator is None else len(block.lines) - 1
        try:
            yield
        finally:
            self.position_at_end(old)

    def goto_entry_block(self):
        return self.goto_block(self._block.parent.blocks[0])

    @contextlib.contextmanager
    def _branch_helper(self, bbenter, bbexit):
        self.position_at_end(bbenter)
        yield bbexit
        if self._block.terminator is None:
            self.branch(bbexit)

    @contextlib.contextmanager
    def if_then(self, pred, likely=None):
        assert likely is None, "fastir: branch weights are not supported"
        name = self._block.name
        bbif = self.append_basic_block(name=_label_suffix(name, ".if"))
        bbend = self.append_basic_block(name=_label_suffix(name, ".endif"))
        self.cbranch(pred, bbif, bbend)
        with self._branch_helper(bbif, bbend):
            yield bbend
        self.position_at_end(bbend)

    @contextlib.contextmanager
    def if_else(self, pred, likely=None):
        assert likely is None, "fastir: branch weights are not supported"
        name = self._block.name
        bbif = self.append_basic_block(name=_label_suffix(name, ".if"))
        bbelse = self.append_basic_block(name=_label_suffix(name, ".else"))
        bbend = self.append_basic_block(name=_label_suffix(name, ".endif"))
        self.cbranch(pred, bbif, bbelse)
        yield self._branch_helper(bbif, bbend), self._branch_helper(bbelse, bbend)
        self.position_at_end(bbend)


_API = ("Type", "IntType", "HalfType", "FloatType", "DoubleType", "VoidType", "LabelType",
        "PointerType", "ArrayType", "VectorType", "LiteralStructType", "FunctionType", "Value", "Constant",
        "NamedValue", "Argument", "Block", "Function", "GlobalVariable", "Module",
        "IRBuilder")  # fmt: skip

if os.environ.get("JTRANS_LLVMLITE_IR"):  # the reference implementation (tests compare)
    from llvmlite import ir as _llvmlite_ir

    globals().update({n: getattr(_llvmlite_ir, n) for n in _API})
