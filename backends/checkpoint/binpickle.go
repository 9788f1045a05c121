package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scalefit/scalefit/internal/quote"
)

// This file is the unpickler of PyTorch checkpoints. A pickle is a program for a small stack machine, and Python's
// own unpickler will import and call any global the program names: loading an untrusted pickle runs its code. This
// one is written for state dicts and nothing else, with the policy of torch.load(weights_only=True) built in:
//
//   - Globals are allowlisted (pickleGlobals): the tensor rebuild functions, the storage classes and
//     collections.OrderedDict. A pickle that names any other global, anywhere (in a tensor's hooks, in the
//     state dict's _metadata, as a storage's location), is refused at that opcode, before anything else happens.
//   - Calls (REDUCE, NEWOBJ, INST, OBJ) reach only the allowlisted globals, each checking its arguments; BUILD sets
//     state only on a dict or a tensor, where it is ignored. Nothing is ever executed: the values built are plain Go
//     data.
//   - Every resource is bounded before it is used (pickleLimits): open MARKs, stack size, memo entries, elements in
//     containers, the length of each argument, and the size of integers (a few dozen bytes or digits, so that no
//     opcode costs more than linear time). Work is linear in the length of the pickle.
//   - Errors are one line, give the byte offset, and quote what they cite with package quote.

// pickleLimits bounds the resources of one unpickle.
type pickleLimits struct {
	arg    uint64 // bytes of one string or bytes argument
	long   uint64 // bytes of a LONG1/LONG4 integer
	digits int    // characters of a decimal INT or LONG (protocol 0)
	marks  int    // MARKs open at once
	stack  int    // values on the stack
	memo   int    // memo entries
	items  int    // elements put into tuples, lists and dicts, all together
}

// defaultPickleLimits are the limits of every checkpoint. A state dict's pickle holds names, small integers and
// tuples (the tensor data lives outside it): Pythia-12B's has about 7 000 memo entries and a stack never deeper than
// a few thousand, so these limits are far above any real checkpoint, and far below what would hurt the machine (at
// their worst, about 100 MB of memory).
var defaultPickleLimits = pickleLimits{
	arg:    64 << 20,
	long:   64, // 512 bits; torch's magic number needs 10 bytes
	digits: 128,
	marks:  1 << 10,
	stack:  1 << 20,
	memo:   1 << 20,
	items:  1 << 22,
}

// maxPickleRank bounds the dimensions of a tensor (torch's own limit).
const maxPickleRank = 64

// Values of the unpickler. Python's None, bool, int, float, str and bytes are nil, bool, int64 (or *big.Int when it
// does not fit), float64, string and []byte; tuples, lists and dicts are pyTuple, *pyList and *pyDict. The torch
// objects are *torchStorage, *torchTensor and *torchStorageType (a storage class); the other allowlisted globals are
// pyGlobal.
type (
	pyTuple []any
	pyList  struct{ items []any }
	// pyDict is a dict or an OrderedDict, in insertion order.
	pyDict struct {
		ordered bool
		keys    []any
		vals    []any
		index   map[any]int // position of each key in keys
	}
	// pyGlobal is an allowlisted global other than a storage class.
	pyGlobal int
)

const (
	globalOrderedDict pyGlobal = iota + 1
	globalRebuildTensor
	globalRebuildParameter
	globalSize
	globalEncode
)

// pickleGlobals is the allowlist: every global a torch.save state dict needs, and nothing else. The storage classes
// of torchStorageTypes are allowed too (torch.FloatStorage, …).
var pickleGlobals = map[string]pyGlobal{
	"collections.OrderedDict":                    globalOrderedDict,
	"torch._utils._rebuild_tensor":               globalRebuildTensor,
	"torch._utils._rebuild_tensor_v2":            globalRebuildTensor,
	"torch._utils._rebuild_parameter":            globalRebuildParameter,
	"torch._utils._rebuild_parameter_with_state": globalRebuildParameter,
	"torch.Size":     globalSize,
	"_codecs.encode": globalEncode, // how protocol 2 spells a bytes value
}

func (g pyGlobal) String() string {
	switch g {
	case globalOrderedDict:
		return "collections.OrderedDict"
	case globalRebuildTensor:
		return "torch._utils._rebuild_tensor_v2"
	case globalRebuildParameter:
		return "torch._utils._rebuild_parameter"
	case globalSize:
		return "torch.Size"
	case globalEncode:
		return "_codecs.encode"
	}
	return "a global"
}

// errNotStateDict opens the error for a pickle that reaches outside the allowlist.
const errNotStateDict = "not a plain state dict"

// findGlobal applies the allowlist.
func findGlobal(module, name string) (any, error) {
	full := module + "." + name
	if g, ok := pickleGlobals[full]; ok {
		return g, nil
	}
	if module == "torch" {
		if t, ok := torchStorageTypes[name]; ok {
			return &t, nil
		}
	}
	return nil, fmt.Errorf("%s: the pickle names the global %s, which a state dict never needs (Python would import and run it); refused as torch.load(weights_only=True) refuses it",
		errNotStateDict, quote.String(full))
}

// unpickler decodes one pickle from b.
type unpickler struct {
	b     []byte
	pos   int // offset of the next opcode
	op    int // offset of the current opcode, for errors
	stack []any
	marks []int // stack lengths at each open MARK
	memo  map[uint32]any
	items int
	limit pickleLimits

	// persistentLoad resolves persistent ids (BINPERSID); nil refuses them.
	persistentLoad func(pid any) (any, error)
}

// unpickle decodes the pickle at the start of b and returns its value and its length in bytes, up to and including
// the STOP opcode. persistentLoad resolves persistent ids (nil: none allowed).
func unpickle(b []byte, persistentLoad func(any) (any, error)) (v any, n int, err error) {
	return unpickleLimited(b, persistentLoad, defaultPickleLimits)
}

// unpickleLimited is unpickle under other limits.
func unpickleLimited(b []byte, persistentLoad func(any) (any, error), limit pickleLimits) (v any, n int, err error) {
	u := &unpickler{b: b, memo: map[uint32]any{}, persistentLoad: persistentLoad, limit: limit}
	v, err = u.run()
	if err != nil {
		return nil, 0, fmt.Errorf("malformed pickle: byte %d: %w", u.op, err)
	}
	return v, u.pos, nil
}

var errPickleTruncated = errors.New("it ends early (truncated?)")

// run executes opcodes until STOP.
func (u *unpickler) run() (any, error) {
	for {
		if u.pos >= len(u.b) {
			return nil, errPickleTruncated
		}
		u.op = u.pos
		op := u.b[u.pos]
		u.pos++
		if op == '.' { // STOP
			if len(u.marks) > 0 || len(u.stack) != 1 {
				return nil, fmt.Errorf("STOP with %d values on the stack and %d open MARKs, want one value", len(u.stack), len(u.marks))
			}
			return u.stack[0], nil
		}
		if err := u.step(op); err != nil {
			return nil, err
		}
		if len(u.stack) > u.limit.stack {
			return nil, fmt.Errorf("more than %d values on the stack", u.limit.stack)
		}
	}
}

// step executes one opcode other than STOP.
func (u *unpickler) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		v, err := u.fixed(1)
		if err != nil {
			return err
		}
		if v[0] > 5 {
			return fmt.Errorf("pickle protocol %d is not supported (want at most 5)", v[0])
		}
	case 0x95: // FRAME: the frame's opcodes follow inline
		v, err := u.fixed(8)
		if err != nil {
			return err
		}
		if binary.LittleEndian.Uint64(v) > uint64(len(u.b)-u.pos) {
			return errPickleTruncated
		}

	// Constants.
	case 'N':
		u.push(nil)
	case 0x88:
		u.push(true)
	case 0x89:
		u.push(false)
	case 'K', 'M', 'J': // BININT1, BININT2, BININT
		n := map[byte]int{'K': 1, 'M': 2, 'J': 4}[op]
		v, err := u.fixed(n)
		if err != nil {
			return err
		}
		switch n {
		case 1:
			u.push(int64(v[0]))
		case 2:
			u.push(int64(binary.LittleEndian.Uint16(v)))
		default:
			u.push(int64(int32(binary.LittleEndian.Uint32(v))))
		}
	case 0x8a, 0x8b: // LONG1, LONG4: little-endian two's complement
		v, err := u.counted(map[byte]int{0x8a: 1, 0x8b: 4}[op], u.limit.long)
		if err != nil {
			return err
		}
		u.push(decodeLong(v))
	case 'I', 'L': // INT, LONG: decimal text (protocol 0)
		line, err := u.line(u.limit.digits + 2)
		if err != nil {
			return err
		}
		v, err := parseTextInt(string(line), op == 'L', u.limit.digits)
		if err != nil {
			return err
		}
		u.push(v)
	case 'G': // BINFLOAT: big-endian float64
		v, err := u.fixed(8)
		if err != nil {
			return err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(v)))
	case 'F': // FLOAT: text
		line, err := u.line(64)
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(string(line), 64)
		if err != nil {
			return fmt.Errorf("FLOAT %s is not a number", quote.Bytes(line))
		}
		u.push(f)

	// Strings. A Python 2 str (STRING, BINSTRING, SHORT_BINSTRING) decodes as UTF-8, as torch.load's default
	// encoding does.
	case 'X', 0x8c, 0x8d, 'T', 'U': // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINSTRING, SHORT_BINSTRING
		v, err := u.counted(map[byte]int{'X': 4, 0x8c: 1, 0x8d: 8, 'T': 4, 'U': 1}[op], u.limit.arg)
		if err != nil {
			return err
		}
		if !utf8.Valid(v) {
			return fmt.Errorf("string %s is not valid UTF-8", quote.Bytes(v))
		}
		u.push(string(v))
	case 'V': // UNICODE: raw-unicode-escape text
		line, err := u.line(int(u.limit.arg))
		if err != nil {
			return err
		}
		s, err := rawUnicodeEscape(line)
		if err != nil {
			return err
		}
		u.push(s)
	case 'S': // STRING: a Python 2 repr
		line, err := u.line(int(u.limit.arg))
		if err != nil {
			return err
		}
		s, err := pyRepr(line)
		if err != nil {
			return err
		}
		u.push(s)
	case 'B', 'C', 0x8e, 0x96: // BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8
		v, err := u.counted(map[byte]int{'B': 4, 'C': 1, 0x8e: 8, 0x96: 8}[op], u.limit.arg)
		if err != nil {
			return err
		}
		u.push(append([]byte(nil), v...))

	// The stack and the memo.
	case '(': // MARK
		if len(u.marks) >= u.limit.marks {
			return fmt.Errorf("more than %d MARKs open at once", u.limit.marks)
		}
		u.marks = append(u.marks, len(u.stack))
	case '0': // POP
		if _, err := u.pop(); err != nil {
			return err
		}
	case '1': // POP_MARK
		if _, err := u.popMark(); err != nil {
			return err
		}
	case '2': // DUP
		v, err := u.top()
		if err != nil {
			return err
		}
		u.push(v)
	case 'q', 'r', 'p', 0x94: // BINPUT, LONG_BINPUT, PUT, MEMOIZE
		v, err := u.top()
		if err != nil {
			return err
		}
		var idx uint32
		switch op {
		case 'q', 'r':
			b, err := u.fixed(map[byte]int{'q': 1, 'r': 4}[op])
			if err != nil {
				return err
			}
			idx = uint32(b[0])
			if op == 'r' {
				idx = binary.LittleEndian.Uint32(b)
			}
		case 'p':
			if idx, err = u.textIndex(); err != nil {
				return err
			}
		default:
			idx = uint32(len(u.memo))
		}
		if _, ok := u.memo[idx]; !ok && len(u.memo) >= u.limit.memo {
			return fmt.Errorf("more than %d memo entries", u.limit.memo)
		}
		u.memo[idx] = v
	case 'h', 'j', 'g': // BINGET, LONG_BINGET, GET
		var idx uint32
		if op == 'g' {
			var err error
			if idx, err = u.textIndex(); err != nil {
				return err
			}
		} else {
			b, err := u.fixed(map[byte]int{'h': 1, 'j': 4}[op])
			if err != nil {
				return err
			}
			idx = uint32(b[0])
			if op == 'j' {
				idx = binary.LittleEndian.Uint32(b)
			}
		}
		v, ok := u.memo[idx]
		if !ok {
			return fmt.Errorf("memo entry %d was never stored", idx)
		}
		u.push(v)

	// Containers.
	case ')':
		u.push(pyTuple{})
	case 't', 0x85, 0x86, 0x87: // TUPLE, TUPLE1, TUPLE2, TUPLE3
		var items []any
		var err error
		if op == 't' {
			items, err = u.popMark()
		} else {
			items, err = u.popN(int(op - 0x84))
		}
		if err != nil {
			return err
		}
		if err := u.count(len(items)); err != nil {
			return err
		}
		u.push(pyTuple(items))
	case ']', 0x8f: // EMPTY_LIST, EMPTY_SET (a set is kept as a list)
		u.push(&pyList{})
	case 'l', 0x91: // LIST, FROZENSET
		items, err := u.popMark()
		if err != nil {
			return err
		}
		if err := u.count(len(items)); err != nil {
			return err
		}
		u.push(&pyList{items: items})
	case 'a', 'e', 0x90: // APPEND, APPENDS, ADDITEMS
		var items []any
		var err error
		if op == 'a' {
			items, err = u.popN(1)
		} else {
			items, err = u.popMark()
		}
		if err != nil {
			return err
		}
		top, err := u.top()
		if err != nil {
			return err
		}
		l, ok := top.(*pyList)
		if !ok {
			return fmt.Errorf("APPEND to %s, not a list", describe(top))
		}
		if err := u.count(len(items)); err != nil {
			return err
		}
		l.items = append(l.items, items...)
	case '}':
		u.push(&pyDict{})
	case 'd', 's', 'u': // DICT, SETITEM, SETITEMS
		var kv []any
		var err error
		if op == 's' {
			kv, err = u.popN(2)
		} else {
			kv, err = u.popMark()
		}
		if err != nil {
			return err
		}
		if len(kv)%2 != 0 {
			return fmt.Errorf("%d values for a dict's keys and values: an odd number", len(kv))
		}
		d := &pyDict{}
		if op == 'd' {
			u.push(d)
		} else {
			top, err := u.top()
			if err != nil {
				return err
			}
			var ok bool
			if d, ok = top.(*pyDict); !ok {
				return fmt.Errorf("SETITEM on %s, not a dict", describe(top))
			}
		}
		if err := u.count(len(kv) / 2); err != nil {
			return err
		}
		for i := 0; i < len(kv); i += 2 {
			if err := d.set(kv[i], kv[i+1]); err != nil {
				return err
			}
		}

	// Globals and calls: the allowlist.
	case 'c': // GLOBAL: module and name on two lines
		g, err := u.textGlobal()
		if err != nil {
			return err
		}
		u.push(g)
	case 0x93: // STACK_GLOBAL
		mn, err := u.popN(2)
		if err != nil {
			return err
		}
		module, ok1 := mn[0].(string)
		name, ok2 := mn[1].(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("STACK_GLOBAL of %s and %s, not two strings", describe(mn[0]), describe(mn[1]))
		}
		g, err := findGlobal(module, name)
		if err != nil {
			return err
		}
		u.push(g)
	case 'i': // INST: module and name on two lines, then the arguments since the last MARK
		g, err := u.textGlobal()
		if err != nil {
			return err
		}
		args, err := u.popMark()
		if err != nil {
			return err
		}
		v, err := callGlobal(g, args)
		if err != nil {
			return err
		}
		u.push(v)
	case 'o': // OBJ: the class and its arguments since the last MARK
		items, err := u.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return errors.New("OBJ without a class")
		}
		v, err := callGlobal(items[0], items[1:])
		if err != nil {
			return err
		}
		u.push(v)
	case 'R', 0x81: // REDUCE, NEWOBJ: a callable (a class) and a tuple of arguments
		fa, err := u.popN(2)
		if err != nil {
			return err
		}
		args, ok := fa[1].(pyTuple)
		if !ok {
			return fmt.Errorf("call of %s with %s, not a tuple of arguments", describe(fa[0]), describe(fa[1]))
		}
		v, err := callGlobal(fa[0], args)
		if err != nil {
			return err
		}
		u.push(v)
	case 0x92: // NEWOBJ_EX: a class, a tuple and a dict of keyword arguments
		fak, err := u.popN(3)
		if err != nil {
			return err
		}
		args, ok := fak[1].(pyTuple)
		kw, ok2 := fak[2].(*pyDict)
		if !ok || !ok2 || len(kw.keys) > 0 {
			return fmt.Errorf("NEWOBJ_EX of %s with %s and %s: want a tuple and no keyword arguments", describe(fak[0]), describe(fak[1]), describe(fak[2]))
		}
		v, err := callGlobal(fak[0], args)
		if err != nil {
			return err
		}
		u.push(v)
	case 'b': // BUILD: set the state of the object below
		st, err := u.popN(1)
		if err != nil {
			return err
		}
		obj, err := u.top()
		if err != nil {
			return err
		}
		switch obj.(type) {
		case *pyDict, *torchTensor:
			// An OrderedDict's state holds its attributes (a state dict's _metadata, whose values the allowlist
			// has already vetted); a tensor's, the Python attributes of a Parameter. Neither matters here.
		default:
			return fmt.Errorf("BUILD sets the state of %s with %s: %s", describe(obj), describe(st[0]), errNotStateDict)
		}

	// Persistent ids: the storages.
	case 'Q', 'P': // BINPERSID, PERSID
		var pid any
		if op == 'Q' {
			v, err := u.popN(1)
			if err != nil {
				return err
			}
			pid = v[0]
		} else {
			line, err := u.line(int(u.limit.arg))
			if err != nil {
				return err
			}
			pid = string(line)
		}
		if u.persistentLoad == nil {
			return fmt.Errorf("persistent id %s where none belongs", describe(pid))
		}
		v, err := u.persistentLoad(pid)
		if err != nil {
			return err
		}
		u.push(v)

	case 0x82, 0x83, 0x84: // EXT1, EXT2, EXT4
		return fmt.Errorf("opcode 0x%02x names a global through copyreg's extension registry: %s", op, errNotStateDict)
	case 0x97, 0x98: // NEXT_BUFFER, READONLY_BUFFER
		return fmt.Errorf("opcode 0x%02x reads an out-of-band buffer, which torch.save never writes", op)
	default:
		return fmt.Errorf("unknown opcode 0x%02x", op)
	}
	return nil
}

// callGlobal calls an allowlisted global with args. Only the allowlisted functions and classes can be called, and
// each checks its arguments.
func callGlobal(f any, args []any) (any, error) {
	switch g := f.(type) {
	case pyGlobal:
		switch g {
		case globalOrderedDict:
			if len(args) != 0 {
				return nil, fmt.Errorf("collections.OrderedDict called with %d arguments, want none", len(args))
			}
			return &pyDict{ordered: true}, nil
		case globalRebuildTensor:
			return rebuildTensor(args)
		case globalRebuildParameter:
			if len(args) < 1 {
				return nil, errors.New("_rebuild_parameter: no arguments")
			}
			if _, ok := args[0].(*torchTensor); !ok {
				return nil, fmt.Errorf("_rebuild_parameter of %s, not a tensor", describe(args[0]))
			}
			return args[0], nil
		case globalSize:
			if len(args) != 1 {
				return nil, fmt.Errorf("torch.Size called with %d arguments, want 1", len(args))
			}
			t, ok := args[0].(pyTuple)
			if !ok {
				return nil, fmt.Errorf("torch.Size of %s, not a tuple", describe(args[0]))
			}
			return t, nil
		case globalEncode:
			return codecsEncode(args)
		}
	}
	return nil, fmt.Errorf("a call of %s: %s", describe(f), errNotStateDict)
}

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
// backward_hooks[, metadata]) and its predecessor _rebuild_tensor(storage, storage_offset, size, stride).
func rebuildTensor(args []any) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor: %d arguments, want at least 4", len(args))
	}
	s, ok := args[0].(*torchStorage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor: %s is not a storage", describe(args[0]))
	}
	off, err := pyInt(args[1])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor: storage offset: %w", err)
	}
	shape, err := intTuple(args[2])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor: size: %w", err)
	}
	stride, err := intTuple(args[3])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor: stride: %w", err)
	}
	return &torchTensor{storage: s, offset: off, shape: shape, stride: stride}, nil
}

// codecsEncode is _codecs.encode(str, encoding), which protocol 2 uses to spell bytes: latin-1 maps each code point
// below 256 to one byte.
func codecsEncode(args []any) (any, error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, fmt.Errorf("_codecs.encode called with %d arguments, want 1 or 2", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("_codecs.encode of %s, not a string", describe(args[0]))
	}
	enc := "utf-8"
	if len(args) == 2 {
		if enc, ok = args[1].(string); !ok {
			return nil, fmt.Errorf("_codecs.encode to %s, not an encoding name", describe(args[1]))
		}
	}
	switch strings.ToLower(strings.ReplaceAll(enc, "_", "-")) {
	case "utf-8", "utf8":
		return []byte(s), nil
	case "latin1", "latin-1", "iso-8859-1":
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0xff {
				return nil, fmt.Errorf("_codecs.encode: %s is not latin-1", quote.String(s))
			}
			out = append(out, byte(r))
		}
		return out, nil
	}
	return nil, fmt.Errorf("_codecs.encode to %s is not supported", quote.String(enc))
}

// set puts key → v into d, replacing an existing key's value in place as Python does. Keys must be strings, integers,
// bools or None: a state dict needs nothing else.
func (d *pyDict) set(key, v any) error {
	switch key.(type) {
	case string, int64, bool, nil, float64:
	default:
		return fmt.Errorf("dict key %s: %s", describe(key), errNotStateDict)
	}
	if d.index == nil {
		d.index = map[any]int{}
	}
	if i, ok := d.index[key]; ok {
		d.vals[i] = v
		return nil
	}
	d.index[key] = len(d.keys)
	d.keys = append(d.keys, key)
	d.vals = append(d.vals, v)
	return nil
}

// get returns the value of a string key.
func (d *pyDict) get(key string) (any, bool) {
	i, ok := d.index[key]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

// count charges n elements to the container budget.
func (u *unpickler) count(n int) error {
	u.items += n
	if u.items > u.limit.items {
		return fmt.Errorf("more than %d elements in its tuples, lists and dicts", u.limit.items)
	}
	return nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 || (len(u.marks) > 0 && len(u.stack) == u.marks[len(u.marks)-1]) {
		return nil, errors.New("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

func (u *unpickler) pop() (any, error) {
	v, err := u.top()
	if err == nil {
		u.stack = u.stack[:len(u.stack)-1]
	}
	return v, err
}

// popN pops the top n values, which must lie above the last MARK, and returns them in stack order.
func (u *unpickler) popN(n int) ([]any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack)-floor < n {
		return nil, errors.New("stack underflow")
	}
	out := append([]any(nil), u.stack[len(u.stack)-n:]...)
	clear(u.stack[len(u.stack)-n:])
	u.stack = u.stack[:len(u.stack)-n]
	return out, nil
}

// popMark pops the values above the last MARK, and the MARK.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, errors.New("no MARK to pop to")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	out := append([]any(nil), u.stack[m:]...)
	clear(u.stack[m:])
	u.stack = u.stack[:m]
	return out, nil
}

// fixed returns the next n bytes.
func (u *unpickler) fixed(n int) ([]byte, error) {
	if len(u.b)-u.pos < n {
		return nil, errPickleTruncated
	}
	v := u.b[u.pos : u.pos+n]
	u.pos += n
	return v, nil
}

// counted returns the bytes that follow a little-endian length of prefix bytes, refusing more than limit.
func (u *unpickler) counted(prefix int, limit uint64) ([]byte, error) {
	p, err := u.fixed(prefix)
	if err != nil {
		return nil, err
	}
	var n uint64
	switch prefix {
	case 1:
		n = uint64(p[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(p))
	default:
		n = binary.LittleEndian.Uint64(p)
	}
	if n > limit {
		return nil, fmt.Errorf("argument of %d bytes, more than the %d allowed", n, limit)
	}
	if n > uint64(len(u.b)-u.pos) {
		return nil, errPickleTruncated
	}
	return u.fixed(int(n))
}

// line returns the text up to the next newline, which it consumes, refusing lines longer than limit bytes.
func (u *unpickler) line(limit int) ([]byte, error) {
	rest := u.b[u.pos:]
	if len(rest) > limit+1 {
		rest = rest[:limit+1]
	}
	for i, c := range rest {
		if c == '\n' {
			u.pos += i + 1
			return rest[:i], nil
		}
	}
	if len(rest) > limit {
		return nil, fmt.Errorf("a text argument longer than %d bytes", limit)
	}
	return nil, errPickleTruncated
}

// textGlobal reads the module and name lines of GLOBAL or INST and applies the allowlist.
func (u *unpickler) textGlobal() (any, error) {
	module, err := u.line(int(u.limit.arg))
	if err != nil {
		return nil, err
	}
	name, err := u.line(int(u.limit.arg))
	if err != nil {
		return nil, err
	}
	return findGlobal(string(module), string(name))
}

// textIndex reads the decimal memo index of PUT or GET.
func (u *unpickler) textIndex() (uint32, error) {
	line, err := u.line(16)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(string(line), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("memo index %s is not a number", quote.Bytes(line))
	}
	return uint32(n), nil
}

// decodeLong decodes a little-endian two's complement integer of LONG1/LONG4, as an int64 when it fits.
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		shift := 64 - 8*uint(len(b))
		return int64(v<<shift) >> shift // sign-extend
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), 8*uint(len(b))))
	}
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}

// parseTextInt parses the text of INT ("01" and "00" are True and False) or LONG (which may end in "L").
func parseTextInt(s string, long bool, maxDigits int) (any, error) {
	if !long {
		switch s {
		case "01":
			return true, nil
		case "00":
			return false, nil
		}
	}
	t := strings.TrimSuffix(s, "L")
	if len(t) > maxDigits {
		return nil, fmt.Errorf("an integer of %d digits, more than the %d allowed", len(t), maxDigits)
	}
	if v, err := strconv.ParseInt(t, 10, 64); err == nil {
		return v, nil
	}
	n, ok := new(big.Int).SetString(t, 10)
	if !ok {
		return nil, fmt.Errorf("integer %s is not a number", quote.String(s))
	}
	return n, nil
}

// rawUnicodeEscape decodes Python's raw-unicode-escape: \uXXXX and \UXXXXXXXX are code points, any other byte is the
// latin-1 character of that value.
func rawUnicodeEscape(b []byte) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && (b[i+1] == 'u' || b[i+1] == 'U') {
			n := 4
			if b[i+1] == 'U' {
				n = 8
			}
			if i+2+n > len(b) {
				return "", errors.New("UNICODE: a truncated \\u escape")
			}
			r, err := strconv.ParseUint(string(b[i+2:i+2+n]), 16, 32)
			if err != nil || r > utf8.MaxRune {
				return "", fmt.Errorf("UNICODE: bad escape %s", quote.Bytes(b[i:i+2+n]))
			}
			sb.WriteRune(rune(r))
			i += 1 + n
			continue
		}
		sb.WriteRune(rune(b[i]))
	}
	return sb.String(), nil
}

// pyRepr decodes the quoted Python 2 string literal of STRING: '…' or "…" with backslash escapes.
func pyRepr(b []byte) (string, error) {
	if len(b) < 2 || (b[0] != '\'' && b[0] != '"') || b[len(b)-1] != b[0] {
		return "", fmt.Errorf("STRING argument %s is not quoted", quote.Bytes(b))
	}
	b = b[1 : len(b)-1]
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			out = append(out, b[i])
			continue
		}
		if i+1 >= len(b) {
			return "", errors.New("STRING argument ends in a backslash")
		}
		i++
		switch c := b[i]; c {
		case '\\', '\'', '"':
			out = append(out, c)
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'x':
			if i+2 >= len(b) {
				return "", errors.New("STRING argument has a truncated \\x escape")
			}
			v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8)
			if err != nil {
				return "", errors.New("STRING argument has a bad \\x escape")
			}
			out = append(out, byte(v))
			i += 2
		default:
			if c >= '0' && c <= '7' {
				v, j := 0, i
				for ; j < len(b) && j < i+3 && b[j] >= '0' && b[j] <= '7'; j++ {
					v = v*8 + int(b[j]-'0')
				}
				out = append(out, byte(v))
				i = j - 1
				continue
			}
			out = append(out, '\\', c)
		}
	}
	if !utf8.Valid(out) {
		return "", fmt.Errorf("string %s is not valid UTF-8", quote.Bytes(out))
	}
	return string(out), nil
}
