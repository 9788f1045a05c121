package schema

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// arrow-go builds a schema from an Arrow IPC file's footer, or a stream's first message, by trusting the flatbuffer:
// it allocates a slice of whatever length a vector declares (make([]arrow.Field, n) in fieldFromFB: a 9 KB file
// asked for 290 GB, which is a fatal error, not a panic that can be recovered), and it follows a field's children
// recursively (a children vector that points back at its own field overflows the stack, fatally too). So the schema's
// flatbuffer is checked first, against the layout of Arrow's Schema.fbs, for what arrow-go would act on: every table
// and vector that the schema reaches lies inside the buffer, field nesting is at most maxFieldDepth deep, and at most
// maxFields fields are visited in all. Scalars and unions other than Union's type ids are not read by this check;
// arrow-go reading them out of bounds panics, which Decode recovers.

const (
	maxFieldDepth = 64   // nesting of a field's children
	maxFields     = 4096 // fields visited, children included; a run file has 19
)

var errFlatbuffer = errors.New("corrupt schema: its flatbuffer points outside itself")

// fbuf is a flatbuffer under check.
type fbuf struct {
	b      []byte
	fields int
}

// u32 reads the little-endian uint32 at pos, or fails when it lies outside b.
func (f *fbuf) u32(pos int) (int, error) {
	if pos < 0 || pos > len(f.b)-4 {
		return 0, errFlatbuffer
	}
	return int(binary.LittleEndian.Uint32(f.b[pos:])), nil
}

// deref follows the uoffset at pos to what it points at.
func (f *fbuf) deref(pos int) (int, error) {
	off, err := f.u32(pos)
	if err != nil {
		return 0, err
	}
	if off > len(f.b)-pos-4 {
		return 0, errFlatbuffer
	}
	return pos + off, nil
}

// field returns the position of field i of the table at tab, or −1 when the table does not have it.
func (f *fbuf) field(tab, i int) (int, error) {
	so, err := f.u32(tab)
	if err != nil {
		return 0, err
	}
	vt := tab - int(int32(so))
	if vt < 0 || vt > len(f.b)-4 {
		return 0, errFlatbuffer
	}
	vtSize := int(binary.LittleEndian.Uint16(f.b[vt:]))
	tabSize := int(binary.LittleEndian.Uint16(f.b[vt+2:]))
	if vtSize < 4 || vt+vtSize > len(f.b) || tab+tabSize > len(f.b) {
		return 0, errFlatbuffer
	}
	at := 4 + 2*i
	if at+2 > vtSize {
		return -1, nil
	}
	fo := int(binary.LittleEndian.Uint16(f.b[vt+at:]))
	if fo == 0 {
		return -1, nil
	}
	if fo >= tabSize {
		return 0, errFlatbuffer
	}
	return tab + fo, nil
}

// table returns the table that field i of tab points at, or −1 when it is absent.
func (f *fbuf) table(tab, i int) (int, error) {
	pos, err := f.field(tab, i)
	if err != nil || pos < 0 {
		return pos, err
	}
	return f.deref(pos)
}

// vector returns the position of the first element and the length of the vector that field i of tab points at,
// checking that its elements of elemSize bytes lie inside the buffer. An absent vector has length 0.
func (f *fbuf) vector(tab, i, elemSize int) (start, n int, err error) {
	v, err := f.table(tab, i)
	if err != nil || v < 0 {
		return 0, 0, err
	}
	n, err = f.u32(v)
	if err != nil {
		return 0, 0, err
	}
	if n > (len(f.b)-v-4)/elemSize {
		return 0, 0, errFlatbuffer
	}
	return v + 4, n, nil
}

// tables calls check on every table of the vector of tables in field i of tab.
func (f *fbuf) tables(tab, i int, check func(int) error) error {
	start, n, err := f.vector(tab, i, 4)
	if err != nil {
		return err
	}
	for k := range n {
		t, err := f.deref(start + 4*k)
		if err != nil {
			return err
		}
		if err := check(t); err != nil {
			return err
		}
	}
	return nil
}

// keyValues checks a custom_metadata vector: KeyValue { key: string; value: string }.
func (f *fbuf) keyValues(tab, i int) error {
	return f.tables(tab, i, func(kv int) error {
		if _, _, err := f.vector(kv, 0, 1); err != nil {
			return err
		}
		_, _, err := f.vector(kv, 1, 1)
		return err
	})
}

// checkSchema checks Schema { endianness; fields: [Field]; custom_metadata: [KeyValue]; features: [long] }.
func (f *fbuf) checkSchema(tab int) error {
	if err := f.tables(tab, 1, func(fl int) error { return f.checkField(fl, 1) }); err != nil {
		return err
	}
	if err := f.keyValues(tab, 2); err != nil {
		return err
	}
	_, _, err := f.vector(tab, 3, 8)
	return err
}

// checkField checks Field { name: string; nullable; type_type; type: Type; dictionary: DictionaryEncoding;
// children: [Field]; custom_metadata: [KeyValue] } and, for a Union type, Union { mode; typeIds: [int] }.
func (f *fbuf) checkField(tab, depth int) error {
	f.fields++
	if f.fields > maxFields {
		return fmt.Errorf("corrupt schema: more than %d fields", maxFields)
	}
	if depth > maxFieldDepth {
		return fmt.Errorf("corrupt schema: fields nested more than %d deep", maxFieldDepth)
	}
	if _, _, err := f.vector(tab, 0, 1); err != nil {
		return err
	}
	typ, err := f.table(tab, 3)
	if err != nil {
		return err
	}
	if tt, err := f.field(tab, 2); err != nil {
		return err
	} else if tt >= 0 && typ >= 0 && f.b[tt] == unionTypeType {
		if _, _, err := f.vector(typ, 1, 4); err != nil {
			return err
		}
	}
	if _, err := f.table(tab, 4); err != nil {
		return err
	}
	if err := f.tables(tab, 5, func(ch int) error { return f.checkField(ch, depth+1) }); err != nil {
		return err
	}
	return f.keyValues(tab, 6)
}

// unionTypeType is Type.Union in Schema.fbs.
const unionTypeType = 14

// ipcMagic opens and closes an Arrow IPC file.
var ipcMagic = []byte("ARROW1")

// checkIPCFileSchema checks the schema in the footer of the Arrow IPC file of size bytes in r. A file too short or
// without the magic is left for arrow-go to refuse.
func checkIPCFileSchema(r io.ReaderAt, size int64) error {
	const tail = 4 + 6 // footer length, magic
	if size < 2*8+tail {
		return nil
	}
	var t [tail]byte
	if _, err := r.ReadAt(t[:], size-tail); err != nil {
		return err
	}
	if !bytes.Equal(t[4:], ipcMagic) {
		return nil
	}
	n := int64(binary.LittleEndian.Uint32(t[:4]))
	if n <= 0 || n > size-tail-8 {
		return fmt.Errorf("corrupt file: a footer of %d bytes in a file of %d", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-tail-n); err != nil {
		return err
	}
	f := &fbuf{b: footer}
	// Footer { version; schema: Schema; dictionaries: [Block]; recordBatches: [Block]; custom_metadata }
	root, err := f.deref(0)
	if err != nil {
		return err
	}
	sc, err := f.table(root, 1)
	if err != nil {
		return err
	}
	if sc >= 0 {
		if err := f.checkSchema(sc); err != nil {
			return err
		}
	}
	for _, i := range []int{2, 3} {
		if _, _, err := f.vector(root, i, 24); err != nil {
			return err
		}
	}
	return f.keyValues(root, 4)
}

// checkIPCStreamSchema checks the schema message that opens the Arrow IPC stream b: an optional continuation marker
// 0xFFFFFFFF, the metadata length, and a Message { version; header_type; header; bodyLength; custom_metadata }.
func checkIPCStreamSchema(b []byte) error {
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == 0xFFFFFFFF {
		b = b[4:]
	}
	if len(b) < 4 {
		return nil // arrow-go reports the short stream
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > len(b)-4 {
		return fmt.Errorf("corrupt stream: a message of %d bytes in %d", n, len(b)-4)
	}
	f := &fbuf{b: b[4 : 4+n]}
	root, err := f.deref(0)
	if err != nil {
		return err
	}
	if err := f.keyValues(root, 4); err != nil {
		return err
	}
	// arrow-go reserves the body the message declares before it reads it, with its own allocator where pqarrow
	// reads a Parquet file's stored schema: a body longer than what follows the message is refused here.
	if at, err := f.field(root, 3); err != nil {
		return err
	} else if at >= 0 {
		if at+8 > len(f.b) {
			return errFlatbuffer
		}
		if body := int64(binary.LittleEndian.Uint64(f.b[at:])); body < 0 || body > int64(len(b)-4-n) {
			return fmt.Errorf("corrupt stream: a message body of %d bytes in %d", body, len(b)-4-n)
		}
	}
	ht, err := f.field(root, 1)
	if err != nil || ht < 0 || f.b[ht] != 1 { // MessageHeader.Schema
		return err
	}
	sc, err := f.table(root, 2)
	if err != nil || sc < 0 {
		return err
	}
	return f.checkSchema(sc)
}
