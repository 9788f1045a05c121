package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pk assembles a pickle opcode by opcode, for hand-made reproducers of what torch.save never writes.
type pk struct{ b []byte }

func newPickle() *pk { return &pk{b: []byte{0x80, 2}} } // PROTO 2

func (p *pk) op(ops ...byte) *pk { p.b = append(p.b, ops...); return p }

// str is BINUNICODE.
func (p *pk) str(s string) *pk {
	p.b = append(p.b, 'X')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	p.b = append(p.b, s...)
	return p
}

// int is BININT.
func (p *pk) int(n int) *pk {
	p.b = append(p.b, 'J')
	p.b = binary.LittleEndian.AppendUint32(p.b, uint32(int32(n)))
	return p
}

// ints is a tuple of ints.
func (p *pk) ints(ns ...int) *pk {
	p.op('(')
	for _, n := range ns {
		p.int(n)
	}
	return p.op('t')
}

func (p *pk) global(module, name string) *pk {
	p.b = append(p.b, 'c')
	p.b = append(p.b, module+"\n"+name+"\n"...)
	return p
}

func (p *pk) orderedDict() *pk { return p.global("collections", "OrderedDict").op(')', 'R') }

// view describes a legacy storage view for tensor.
type view struct {
	key         string
	offset, len int
}

// tensor writes _rebuild_tensor_v2 of a storage; legacy adds the sixth element (the view) to the persistent id.
// hooks, when not nil, writes the backward hooks in place of an empty OrderedDict.
func (p *pk) tensor(class, key string, numel int, legacy bool, v *view, offset int, shape, stride []int, hooks func(*pk)) *pk {
	p.global("torch._utils", "_rebuild_tensor_v2").op('(', '(')
	p.str("storage").global("torch", class).str(key).str("cpu").int(numel)
	if legacy {
		if v == nil {
			p.op('N')
		} else {
			p.op('(').str(v.key).int(v.offset).int(v.len).op('t')
		}
	}
	p.op('t', 'Q').int(offset).ints(shape...).ints(stride...).op(0x89)
	if hooks != nil {
		hooks(p)
	} else {
		p.orderedDict()
	}
	return p.op('t', 'R')
}

func (p *pk) stop() []byte { return append(p.b, '.') }

// legacyFile assembles a legacy torch.save file: the magic number, the protocol version, the system information,
// stateDict (a complete pickle), the storage keys, and each storage's element count and bytes.
func legacyFile(stateDict []byte, keys []string, storages [][]byte, elemSize int) []byte {
	magic := newPickle().op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).stop()
	proto := newPickle().op('M', 0xe9, 0x03).stop() // 1001
	sys := newPickle().op('}', '(').str("protocol_version").op('M', 0xe9, 0x03).str("little_endian").op(0x88).op('u').stop()
	kp := newPickle().op(']', '(')
	for _, k := range keys {
		kp.str(k)
	}
	out := slices.Concat(magic, proto, sys, stateDict, kp.op('e').stop())
	for _, s := range storages {
		out = binary.LittleEndian.AppendUint64(out, uint64(len(s)/elemSize))
		out = append(out, s...)
	}
	return out
}

// zipFile assembles a zip-format torch.save file from its pickle and storage records.
func zipFile(t testing.TB, pickle []byte, records map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, b []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	add("data.pkl", pickle)
	keys := make([]string, 0, len(records))
	for k := range records {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add("data/"+k, records[k])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// f32Bytes is the little-endian float32 encoding of vs.
func f32Bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// iota32 is 0, 1, …, n−1 as float32.
func iota32(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i)
	}
	return out
}

// decodeAll converts a stored tensor to float32.
func decodeAll(st *storedTensor) []float32 {
	out := make([]float32, st.numel)
	if st.strides != nil {
		decodeStrided(out, st.data, st.dtype, st.shape, st.strides)
	} else {
		decode(out, st.data, st.dtype)
	}
	return out
}

// TestPickleTorchWritten reads the files testdata/gen_hostile.py wrote with torch: a real state dict (an OrderedDict
// whose _metadata BUILD sets) reads; a value, or a _metadata entry, that names os.system is refused at its GLOBAL, as
// torch.load(weights_only=True) refuses it; a legacy file cut inside a buffer's storage is refused, as torch.load
// refuses it.
func TestPickleTorchWritten(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "hostile", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tensors, err := torchTensors(read("ordered-metadata.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeAll(tensors["weight"]); !slices.Equal(got, iota32(6)) || !slices.Equal(tensors["weight"].shape, []int{2, 3}) {
		t.Errorf("weight %v %v, want arange(6) [2 3]", got, tensors["weight"].shape)
	}
	if got := decodeAll(tensors["bias"]); !slices.Equal(got, []float32{-1, 1}) {
		t.Errorf("bias %v, want [-1 1]", got)
	}
	for _, name := range []string{"evil-value.bin", "evil-metadata.bin"} {
		_, err := torchTensors(read(name))
		if err == nil || !strings.Contains(err.Error(), `not a plain state dict: the pickle names the global "posix.system"`) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = torchTensors(read("legacy-truncated.bin"))
	if err == nil || !strings.Contains(err.Error(), `storage "`) || !strings.Contains(err.Error(), "the file is truncated") {
		t.Errorf("legacy file cut in a buffer: %v", err)
	}
}

// evilGlobal writes a global outside the allowlist, called: what Python would run.
func evilGlobal(p *pk) { p.global("os", "system").op('(').str("echo pwned").op('t', 'R') }

// TestPickleAllowlist refuses a global outside the allowlist wherever the pickle puts it, and every opcode that would
// build or call something other than a state dict's values.
func TestPickleAllowlist(t *testing.T) {
	data := f32Bytes(1, 2)
	sd := func(value func(*pk)) []byte {
		p := newPickle().orderedDict().op('(').str("w")
		value(p)
		return p.op('u').stop()
	}
	plain := func(p *pk) { p.tensor("FloatStorage", "0", 2, false, nil, 0, []int{2}, []int{1}, nil) }
	tests := []struct {
		name   string
		pickle []byte
		want   string
	}{
		{"the state dict itself", newPickle().global("builtins", "eval").op('(').str("1").op('t', 'R').stop(), `global "builtins.eval"`},
		{"a value", sd(evilGlobal), `global "os.system"`},
		{"a tensor's backward hooks", sd(func(p *pk) {
			p.tensor("FloatStorage", "0", 2, false, nil, 0, []int{2}, []int{1}, func(p *pk) {
				p.orderedDict().op('(').int(0).global("__main__", "hook").op('u')
			})
		}), `global "__main__.hook"`},
		{"_metadata", newPickle().orderedDict().op('(').str("w").tensor("FloatStorage", "0", 2, false, nil, 0, []int{2}, []int{1}, nil).op('u').
			op('}').str("_metadata").orderedDict().op('(').str("").op('}').str("version").global("subprocess", "Popen").op('s', 'u', 's', 'b').stop(), `global "subprocess.Popen"`},
		{"a storage's location", sd(func(p *pk) {
			p.global("torch._utils", "_rebuild_tensor_v2").op('(', '(').str("storage").global("torch", "FloatStorage").str("0")
			p.global("torch", "device").op('(').str("cpu").op('t', 'R').int(2).op('t', 'Q').int(0).ints(2).ints(1).op(0x89).orderedDict().op('t', 'R')
		}), `global "torch.device"`},
		{"a storage class outside the allowlist", sd(func(p *pk) { p.tensor("TypedStorage", "0", 2, false, nil, 0, []int{2}, []int{1}, nil) }), `global "torch.TypedStorage"`},
		{"STACK_GLOBAL", sd(func(p *pk) { p.str("os").str("system").op(0x93) }), `global "os.system"`},
		{"INST", sd(func(p *pk) { p.op('(').str("x").op('i').op([]byte("os\nsystem\n")...) }), `global "os.system"`},
		{"OBJ of an allowed class's function", sd(func(p *pk) { p.op('(').global("torch._utils", "_rebuild_parameter").op('o') }), "_rebuild_parameter: no arguments"},
		{"EXT1", sd(func(p *pk) { p.op(0x82, 1) }), "extension registry"},
		{"BUILD on a storage class", sd(func(p *pk) { p.global("torch", "FloatStorage").op('}', 'b') }), "BUILD sets the state of the class torch.FloatStorage"},
		{"REDUCE of a storage class", sd(func(p *pk) { p.global("torch", "FloatStorage").op(')', 'R') }), "a call of the class torch.FloatStorage: not a plain state dict"},
		{"a pickled module", newPickle().op('}', '(').str("m").str("module").op(0x85, 'Q', 'u').stop(), "persistent id"},
		{"out-of-band buffer", sd(func(p *pk) { p.op(0x97) }), "out-of-band buffer"},
	}
	for _, tt := range tests {
		_, err := torchTensors(zipFile(t, tt.pickle, map[string][]byte{"0": data}))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	// The same state dict without the hostile parts reads.
	tensors, err := torchTensors(zipFile(t, sd(plain), map[string][]byte{"0": data}))
	if err != nil || !slices.Equal(decodeAll(tensors["w"]), []float32{1, 2}) {
		t.Errorf("plain state dict: %v", err)
	}
}

// TestPickleBounds checks that every resource of the unpickler is bounded: each pickle below would cost gigabytes or
// minutes if it were not, and is refused after a bounded amount of work.
func TestPickleBounds(t *testing.T) {
	repeat := func(n int, b ...byte) []byte { return bytes.Repeat(b, n) }
	longDigits := slices.Concat([]byte{'L'}, repeat(4<<20, '9'), []byte("L\n")) // 4 MB of digits: 31 s with gopickle
	lim := defaultPickleLimits
	tests := []struct {
		name   string
		pickle []byte
		want   string
	}{
		{"MARKs", newPickle().op(repeat(lim.marks+1, '(')...).stop(), "more than 1024 MARKs open at once"},
		{"stack", newPickle().op('N').op(repeat(lim.stack, '2')...).stop(), "more than 1048576 values on the stack"},
		{"decimal LONG", slices.Concat(newPickle().b, longDigits, []byte{'.'}), "a text argument longer than 130 bytes"},
		{"decimal INT", slices.Concat(newPickle().b, []byte("I"+strings.Repeat("1", 129)+"\n.")), "integer of 129 digits"},
		{"LONG4", slices.Concat(newPickle().op(0x8b, 0, 0, 0x40, 0).b, repeat(4<<20, 0xff), []byte{'.'}), "argument of 4194304 bytes, more than the 64 allowed"},
		{"BINUNICODE8 longer than the file", slices.Concat(newPickle().op(0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10).b, []byte("x.")), "argument of 1152921504606846976 bytes"},
		{"BINBYTES past the end", slices.Concat(newPickle().op('B', 0, 0, 0x10, 0).b, []byte("x.")), "ends early"},
		{"FRAME past the end", slices.Concat(newPickle().op(0x95, 0xff, 0xff, 0, 0, 0, 0, 0, 0).b, []byte("N.")), "ends early"},
		{"no STOP", newPickle().op('N').b, "ends early"},
		{"memo GET of nothing", newPickle().op('h', 7).stop(), "memo entry 7 was never stored"},
		{"unknown opcode", newPickle().op(0xff).stop(), "unknown opcode 0xff"},
		{"protocol 6", []byte{0x80, 6, 'N', '.'}, "pickle protocol 6"},
		{"invalid UTF-8", newPickle().op(0x8c, 2, 0xff, 0xfe).stop(), "not valid UTF-8"},
		{"tuple key", newPickle().op('}', ')', 'N', 's').stop(), "dict key a tuple of 0: not a plain state dict"},
	}
	for _, tt := range tests {
		_, _, err := unpickle(tt.pickle, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("%s: error of %d bytes", tt.name, len(err.Error()))
		}
	}
	// The memo and the elements of containers are bounded too. Under the default limits a reproducer would take
	// hundreds of megabytes to build, so these run under small ones: a memo of distinct entries, and a list that grows
	// by appending one memo reference over and over (two bytes of pickle per element).
	small := lim
	small.memo, small.items = 100, 1000
	memo := newPickle().op('N')
	for i := range small.memo + 1 {
		memo.op('r').b = binary.LittleEndian.AppendUint32(memo.b, uint32(i))
	}
	if _, _, err := unpickleLimited(memo.stop(), nil, small); err == nil || !strings.Contains(err.Error(), "more than 100 memo entries") {
		t.Errorf("memo: %v", err)
	}
	list := func(appends int) []byte {
		return slices.Concat(newPickle().op(']', 'q', 0).b, repeat(appends, slices.Concat([]byte{'('}, repeat(100, 'h', 0), []byte{'e'})...), []byte{'.'})
	}
	if _, _, err := unpickleLimited(list(11), nil, small); err == nil || !strings.Contains(err.Error(), "more than 1000 elements") {
		t.Errorf("elements: %v", err)
	}
	if v, _, err := unpickleLimited(list(10), nil, small); err != nil || len(v.(*pyList).items) != 1000 {
		t.Errorf("1000 elements, at the limit: %v", err)
	}

	// A tensor of more dimensions than torch allows is refused before its shape is used.
	p := newPickle().orderedDict().op('(').str("w").tensor("FloatStorage", "0", 1, false, nil, 0, make([]int, maxPickleRank+1), make([]int, maxPickleRank+1), nil).op('u').stop()
	if _, err := torchTensors(zipFile(t, p, map[string][]byte{"0": f32Bytes(1)})); err == nil || !strings.Contains(err.Error(), "65 dimensions, more than torch's 64") {
		t.Errorf("rank 65: %v", err)
	}
}

// TestPickleValues decodes every kind of value the unpickler knows, in the spellings of protocols 0 to 5.
func TestPickleValues(t *testing.T) {
	tests := []struct {
		name   string
		pickle []byte
		want   any
	}{
		{"BININT1", newPickle().op('K', 200).stop(), int64(200)},
		{"BININT2", newPickle().op('M', 0x01, 0x02).stop(), int64(0x0201)},
		{"BININT negative", newPickle().op('J', 0xff, 0xff, 0xff, 0xff).stop(), int64(-1)},
		{"LONG1 negative", newPickle().op(0x8a, 2, 0x00, 0xff).stop(), int64(-256)},
		{"LONG1 empty", newPickle().op(0x8a, 0).stop(), int64(0)},
		{"INT text", []byte("I-42\n."), int64(-42)},
		{"INT True", []byte("I01\n."), true},
		{"LONG text", []byte("L123L\n."), int64(123)},
		{"FLOAT text", []byte("F0.5\n."), 0.5},
		{"BINFLOAT", newPickle().op('G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0).stop(), 1.5},
		{"SHORT_BINUNICODE", newPickle().op(0x8c, 2, 'h', 'i').stop(), "hi"},
		{"STRING", []byte("S'a\\'b\\x41\\n'\n."), "a'bA\n"},
		{"UNICODE", []byte("Vcaf\\u00e9\n."), "café"},
		{"SHORT_BINBYTES", newPickle().op('C', 2, 0, 1).stop(), []byte{0, 1}},
		{"_codecs.encode latin1", newPickle().global("_codecs", "encode").op('(').op(0x8c, 2, 0xc3, 0xbf).str("latin1").op('t', 'R').stop(), []byte{0xff}},
		{"torch.Size", newPickle().global("torch", "Size").ints(2, 3).op(0x85, 'R').stop(), "tuple"},
		{"PUT/GET text", []byte("I7\np0\n0g0\n."), int64(7)},
		{"MEMOIZE and POP_MARK", newPickle().op('K', 1, 0x94, '(', 'N', 'N', '1', '0', 'h', 0).stop(), int64(1)},
		{"FRAME", newPickle().op(0x95, 3, 0, 0, 0, 0, 0, 0, 0, 'K', 5).stop(), int64(5)},
		{"list", newPickle().op(']', 'K', 1, 'a', '(', 'K', 2, 'K', 3, 'e').stop(), "list 3"},
		{"set", newPickle().op(0x8f, '(', 'K', 2, 0x90).stop(), "list 1"},
		{"DICT, later key wins", newPickle().op('(').str("a").op('K', 1).str("a").op('K', 2, 'd').stop(), "dict a=2"},
	}
	for _, tt := range tests {
		v, n, err := unpickle(append(tt.pickle, "trailing"...), nil)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if n != len(tt.pickle) {
			t.Errorf("%s: length %d, want %d", tt.name, n, len(tt.pickle))
		}
		var got any = v
		switch x := v.(type) {
		case pyTuple:
			got = "tuple"
			if len(x) != 2 || x[0] != int64(2) || x[1] != int64(3) {
				got = x
			}
		case *pyList:
			got = "list " + string(rune('0'+len(x.items)))
		case *pyDict:
			got = "dict"
			if w, _ := x.get("a"); len(x.keys) == 1 && w == int64(2) {
				got = "dict a=2"
			}
		case []byte:
			if bytes.Equal(x, tt.want.([]byte)) {
				got = tt.want
			}
		}
		if _, isBytes := tt.want.([]byte); isBytes {
			if _, ok := got.([]byte); !ok || !bytes.Equal(got.([]byte), tt.want.([]byte)) {
				t.Errorf("%s: %#v, want %#v", tt.name, got, tt.want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s: %#v, want %#v", tt.name, got, tt.want)
		}
	}
}

// legacyViews writes a legacy file whose tensors view one root storage R (12 float32 values 0 … 11): a is R itself,
// b a view V1 = R[2:10] and c a view V2 = V1[3:7] of that view, which torch.load resolves to R[5:9]. order lists
// the tensors in the order the state dict names them.
func legacyViews(order string) []byte {
	p := newPickle().orderedDict().op('(')
	for _, name := range order {
		p.str(string(name))
		switch name {
		case 'a':
			p.tensor("FloatStorage", "R", 12, true, nil, 0, []int{12}, []int{1}, nil)
		case 'b':
			p.tensor("FloatStorage", "R", 12, true, &view{"V1", 2, 8}, 0, []int{8}, []int{1}, nil)
		case 'c':
			p.tensor("FloatStorage", "V1", 8, true, &view{"V2", 3, 4}, 1, []int{3}, []int{1}, nil)
		}
	}
	return legacyFile(p.op('u').stop(), []string{"R"}, [][]byte{f32Bytes(iota32(12)...)}, 4)
}

// TestPickleLegacyViews resolves a view of a view in the order the pickle names the storages. With gopickle and a map,
// the order was the map's, and V2 resolved before V1 crashed the backend (slice bounds out of range).
func TestPickleLegacyViews(t *testing.T) {
	for range 20 { // map order differs between runs; the result must not
		tensors, err := torchTensors(legacyViews("abc"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]float32{"a": iota32(12), "b": {2, 3, 4, 5, 6, 7, 8, 9}, "c": {6, 7, 8}}
		for name, w := range want {
			if got := decodeAll(tensors[name]); !slices.Equal(got, w) {
				t.Fatalf("%s = %v, want %v", name, got, w)
			}
		}
	}
	// Named before the view that would define it, V1 is a root storage of its own that the file does not hold.
	_, err := torchTensors(legacyViews("cab"))
	if err == nil || !strings.Contains(err.Error(), `tensor "c": storage "V1" is not in the file's list of storages`) {
		t.Errorf("view named first: %v", err)
	}
	// A view past the end of its root, and a view the file lists among its storages, are errors, not panics.
	p := newPickle().op('}', '(').str("x").tensor("FloatStorage", "R", 4, true, &view{"V", 2, 8}, 0, []int{8}, []int{1}, nil).op('u').stop()
	if _, err := torchTensors(legacyFile(p, []string{"R"}, [][]byte{f32Bytes(1, 2, 3, 4)}, 4)); err == nil || !strings.Contains(err.Error(), `view [2, 10) lies outside storage "R" of 4 elements`) {
		t.Errorf("view past its root: %v", err)
	}
	if _, err := torchTensors(legacyFile(p, []string{"V"}, [][]byte{f32Bytes(iota32(8)...)}, 4)); err == nil || !strings.Contains(err.Error(), `storage "V" is a view of storage "R", but the file lists it`) {
		t.Errorf("view listed as a storage: %v", err)
	}
}

// TestPickleErrorText checks that what a file puts into an error is capped and quoted: a 1 MB tensor name gives a
// short line, and ESC bytes in a storage key cannot reach the terminal.
func TestPickleErrorText(t *testing.T) {
	name := strings.Repeat("n", 1<<20)
	p := newPickle().op('}', '(').str(name).tensor("FloatStorage", "0", 1, false, nil, 0, []int{1}, []int{1}, nil).op('u').stop()
	_, err := torchTensors(zipFile(t, p, map[string][]byte{"0": f32Bytes(1)}))
	if err == nil || len(err.Error()) > 300 || !strings.Contains(err.Error(), "(1048576 bytes) is longer than the 1024 bytes") {
		t.Errorf("1 MB tensor name: error of %d bytes: %.300v", len(err.Error()), err)
	}
	key := "0\x1b[2K\rscalefit: all good\x1b]0;owned\x07"
	p = newPickle().op('}', '(').str("w").tensor("FloatStorage", key, 1, false, nil, 0, []int{1}, []int{1}, nil).op('u').stop()
	_, err = torchTensors(zipFile(t, p, nil))
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\r\n\a") || !strings.Contains(err.Error(), `storage "0\x1b[2K\rscalefit`) {
		t.Errorf("ESC in a storage key: %q", err)
	}
}

// TestPickleLegacyTruncated cuts a legacy file inside the storage of a buffer that no parameter uses: torch.load
// refuses such a file, and so does the reader, instead of reading the parameters before the cut.
func TestPickleLegacyTruncated(t *testing.T) {
	p := newPickle().orderedDict().op('(').
		str("w").tensor("FloatStorage", "0", 2, true, nil, 0, []int{2}, []int{1}, nil).
		str("attention.bias").tensor("FloatStorage", "1", 16, true, nil, 0, []int{16}, []int{1}, nil).op('u').stop()
	full := legacyFile(p, []string{"0", "1"}, [][]byte{f32Bytes(1, 2), f32Bytes(iota32(16)...)}, 4)
	if _, err := torchTensors(full); err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{1, 8, 60, 64 + 7} {
		_, err := torchTensors(full[:len(full)-cut])
		if err == nil || !strings.Contains(err.Error(), `storage "1"`) || !strings.Contains(err.Error(), "the file is truncated") {
			t.Errorf("cut %d bytes: %v", cut, err)
		}
	}
}
