package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// maxPickleArg bounds one string, bytes or integer argument inside a checkpoint's pickle. A state dict's pickle holds
// only names, small integers and tuples (the tensor data lives outside it), so anything longer is corruption.
const maxPickleArg = 64 << 20

// pickleArgs describes the argument of each pickle opcode (protocols 0–5): fixed gives a fixed size in bytes,
// prefix the size of a little-endian length prefix followed by that many bytes, and lines the number of
// newline-terminated lines. Opcodes missing from the table are invalid.
var pickleArgs = func() map[byte]struct{ fixed, prefix, lines int } {
	m := map[byte]struct{ fixed, prefix, lines int }{}
	for _, op := range []byte("(.012N\x88\x89)]}\x8fael\x90\x91t\x85\x86\x87sudoRb\x81\x92\x93\x94Q\x97\x98") {
		m[op] = struct{ fixed, prefix, lines int }{}
	}
	for op, n := range map[byte]int{'K': 1, 'h': 1, 'q': 1, 0x80: 1, 0x82: 1, 'M': 2, 0x83: 2, 'J': 4, 'j': 4, 'r': 4, 0x84: 4, 'G': 8, 0x95: 8} {
		m[op] = struct{ fixed, prefix, lines int }{fixed: n}
	}
	for op, n := range map[byte]int{'U': 1, 'C': 1, 0x8c: 1, 0x8a: 1, 'T': 4, 'B': 4, 'X': 4, 0x8b: 4, 0x8d: 8, 0x8e: 8, 0x96: 8} {
		m[op] = struct{ fixed, prefix, lines int }{prefix: n}
	}
	for _, op := range []byte("ILFSVPgp") {
		m[op] = struct{ fixed, prefix, lines int }{lines: 1}
	}
	m['c'] = struct{ fixed, prefix, lines int }{lines: 2}
	m['i'] = struct{ fixed, prefix, lines int }{lines: 2}
	return m
}()

// pickleLen walks the opcodes of the pickle at the start of b without decoding them and returns its length, up to
// and including the STOP opcode. It checks that every argument lies inside b and that none is absurdly long, so that
// the decoder, which allocates an argument's declared length before reading it, never allocates more than the file
// holds.
func pickleLen(b []byte) (int, error) {
	pos := 0
	for pos < len(b) {
		op := b[pos]
		arg, ok := pickleArgs[op]
		if !ok {
			return 0, fmt.Errorf("malformed pickle: unknown opcode 0x%02x at byte %d", op, pos)
		}
		pos++
		switch {
		case op == '.':
			return pos, nil
		case arg.fixed > 0:
			if len(b)-pos < arg.fixed {
				return 0, fmt.Errorf("malformed pickle: it ends early (truncated?)")
			}
			if op == 0x95 { // FRAME: the frame's opcodes follow inline
				if n := binary.LittleEndian.Uint64(b[pos:]); n > uint64(len(b)-pos-8) {
					return 0, fmt.Errorf("malformed pickle: frame of %d bytes at byte %d runs past the end (truncated?)", n, pos-1)
				}
			}
			pos += arg.fixed
		case arg.prefix > 0:
			if len(b)-pos < arg.prefix {
				return 0, fmt.Errorf("malformed pickle: it ends early (truncated?)")
			}
			var n uint64
			switch arg.prefix {
			case 1:
				n = uint64(b[pos])
			case 4:
				n = uint64(binary.LittleEndian.Uint32(b[pos:]))
			case 8:
				n = binary.LittleEndian.Uint64(b[pos:])
			}
			pos += arg.prefix
			if n > maxPickleArg || n > uint64(len(b)-pos) {
				return 0, fmt.Errorf("malformed pickle: argument of %d bytes at byte %d runs past the end or is absurd (truncated?)", n, pos-arg.prefix-1)
			}
			pos += int(n)
		default:
			for range arg.lines {
				i := bytes.IndexByte(b[pos:], '\n')
				if i < 0 || i > maxPickleArg {
					return 0, fmt.Errorf("malformed pickle: it ends early (truncated?)")
				}
				pos += i + 1
			}
		}
	}
	return 0, fmt.Errorf("malformed pickle: it ends early, without a STOP opcode (truncated?)")
}
