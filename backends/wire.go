package backends

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	pb "github.com/scalefit/scalefit/backends/proto"
	"github.com/scalefit/scalefit/schema"
)

// MaxMessageBytes is the largest protobuf message, encoding included, that either side of the plugin protocol sends:
// 1 MiB. Token ids and row data are split into chunks so that no message exceeds it.
const MaxMessageBytes = 1 << 20

// maxRecvBytes is the largest message either side accepts, a margin above MaxMessageBytes for third-party plugins
// whose chunks are a little too big. gRPC's own default is 4 MiB.
const maxRecvBytes = 16 << 20

// chunkPayload is the payload budget of one chunk message: MaxMessageBytes less room for the protobuf framing of
// RunRequest{TokenChunk{lengths, tokens}} or RunEvent{RowsChunk{arrow_ipc, last}} (tags, length varints: under 32
// bytes). It is a multiple of 4, so that a chunk never splits an int32.
const chunkPayload = MaxMessageBytes - 64

// checkWireRequest reports a field of req that the protocol's int32 fields cannot carry. The host checks before it
// opens the stream: a request that failed half-way through sendRequest would leave the plugin waiting for the rest.
func checkWireRequest(req *Request) error {
	if req.SkipFirst < 0 || req.SkipFirst > math.MaxInt32 {
		return fmt.Errorf("skip-first %d out of range", req.SkipFirst)
	}
	if req.Threads < 0 || req.Threads > math.MaxInt32 {
		return fmt.Errorf("threads %d out of range", req.Threads)
	}
	if req.Device < 0 || req.Device > math.MaxInt32 {
		return fmt.Errorf("device %d out of range", req.Device)
	}
	for i, s := range req.Sequences {
		if len(s) > math.MaxInt32 {
			return fmt.Errorf("sequence %d has %d tokens, more than the protocol's limit of %d", i, len(s), math.MaxInt32)
		}
	}
	return nil
}

// sendRequest streams req, which has passed checkWireRequest, as a header followed by token chunks of at most
// chunkPayload payload bytes each: first the little-endian int32 sequence lengths, then the little-endian int32 token
// ids of all sequences, one after the other. Every message passed to send is freshly allocated, so send may keep it.
func sendRequest(req *Request, send func(*pb.RunRequest) error) error {
	var nTokens int64
	for _, s := range req.Sequences {
		nTokens += int64(len(s))
	}
	hdr := &pb.RunHeader{
		ModelDir:   req.ModelDir,
		Model:      req.Model,
		Revision:   req.Revision,
		SkipFirst:  int32(req.SkipFirst),
		Gelu:       req.GELU,
		Loss:       req.Loss,
		Threads:    int32(req.Threads),
		Device:     int32(req.Device),
		NSequences: int64(len(req.Sequences)),
		NTokens:    nTokens,
	}
	if err := send(&pb.RunRequest{Msg: &pb.RunRequest_Header{Header: hdr}}); err != nil {
		return err
	}

	var lengths, tokens []byte
	room := chunkPayload
	flush := func() error {
		if len(lengths)+len(tokens) == 0 {
			return nil
		}
		msg := &pb.RunRequest{Msg: &pb.RunRequest_Tokens{Tokens: &pb.TokenChunk{Lengths: lengths, Tokens: tokens}}}
		lengths, tokens, room = nil, nil, chunkPayload
		return send(msg)
	}
	for _, s := range req.Sequences {
		if room < 4 {
			if err := flush(); err != nil {
				return err
			}
		}
		if lengths == nil {
			lengths = make([]byte, 0, min(room, 4*len(req.Sequences)))
		}
		lengths = binary.LittleEndian.AppendUint32(lengths, uint32(len(s)))
		room -= 4
	}
	left := nTokens
	for _, s := range req.Sequences {
		for len(s) > 0 {
			if room < 4 {
				if err := flush(); err != nil {
					return err
				}
			}
			if tokens == nil {
				tokens = make([]byte, 0, min(int64(room), 4*left))
			}
			n := min(len(s), room/4)
			for _, t := range s[:n] {
				tokens = binary.LittleEndian.AppendUint32(tokens, uint32(t))
			}
			s = s[n:]
			room -= 4 * n
			left -= int64(n)
		}
	}
	return flush()
}

// requestAssembler rebuilds a Request from the messages of the host's side of Run.
type requestAssembler struct {
	req     *Request
	nSeq    int64
	nTok    int64
	lengths []int32
	tokens  []int32
}

// add takes the next message of the host's side of Run.
func (a *requestAssembler) add(msg *pb.RunRequest) error {
	switch m := msg.Msg.(type) {
	case *pb.RunRequest_Header:
		if a.req != nil {
			return errors.New("second header")
		}
		h := m.Header
		if h == nil {
			return errors.New("empty header")
		}
		if h.NSequences < 0 || h.NTokens < 0 || h.SkipFirst < 0 || h.Threads < 0 || h.Device < 0 {
			return fmt.Errorf("negative count in header (n_sequences %d, n_tokens %d, skip_first %d, threads %d, device %d)",
				h.NSequences, h.NTokens, h.SkipFirst, h.Threads, h.Device)
		}
		a.req = &Request{
			ModelDir:  h.ModelDir,
			Model:     h.Model,
			Revision:  h.Revision,
			SkipFirst: int(h.SkipFirst),
			GELU:      h.Gelu,
			Loss:      h.Loss,
			Threads:   int(h.Threads),
			Device:    int(h.Device),
		}
		a.nSeq, a.nTok = h.NSequences, h.NTokens
		// Trust the announced sizes only so far: a bad header must not allocate gigabytes up front.
		a.lengths = make([]int32, 0, min(a.nSeq, 1<<20))
		a.tokens = make([]int32, 0, min(a.nTok, 1<<24))
	case *pb.RunRequest_Tokens:
		if a.req == nil {
			return errors.New("token chunk before the header")
		}
		c := m.Tokens
		if c == nil {
			return nil
		}
		var err error
		if a.lengths, err = appendInt32s(a.lengths, c.Lengths, a.nSeq, "lengths"); err != nil {
			return err
		}
		if a.tokens, err = appendInt32s(a.tokens, c.Tokens, a.nTok, "tokens"); err != nil {
			return err
		}
	default:
		return errors.New("message with no header and no token chunk")
	}
	return nil
}

// appendInt32s decodes little-endian int32 values from b onto dst, which must not grow past limit values.
func appendInt32s(dst []int32, b []byte, limit int64, what string) ([]int32, error) {
	if len(b)%4 != 0 {
		return dst, fmt.Errorf("%s chunk of %d bytes is not a whole number of int32 values", what, len(b))
	}
	if int64(len(dst))+int64(len(b)/4) > limit {
		return dst, fmt.Errorf("more %s than the %d the header announced", what, limit)
	}
	for i := 0; i < len(b); i += 4 {
		dst = append(dst, int32(binary.LittleEndian.Uint32(b[i:])))
	}
	return dst, nil
}

// finish checks that everything the header announced arrived and returns the request.
func (a *requestAssembler) finish() (*Request, error) {
	if a.req == nil {
		return nil, errors.New("no header")
	}
	if int64(len(a.lengths)) != a.nSeq {
		return nil, fmt.Errorf("got %d sequence lengths, the header announced %d", len(a.lengths), a.nSeq)
	}
	if int64(len(a.tokens)) != a.nTok {
		return nil, fmt.Errorf("got %d tokens, the header announced %d", len(a.tokens), a.nTok)
	}
	seqs := make([][]int32, len(a.lengths))
	var at int64
	for i, n := range a.lengths {
		if n < 0 || at+int64(n) > a.nTok {
			return nil, fmt.Errorf("sequence %d has length %d, which does not fit the %d tokens", i, n, a.nTok)
		}
		seqs[i] = a.tokens[at : at+int64(n) : at+int64(n)]
		at += int64(n)
	}
	if at != a.nTok {
		return nil, fmt.Errorf("sequence lengths sum to %d, but %d tokens arrived", at, a.nTok)
	}
	a.req.Sequences = seqs
	return a.req, nil
}

// encodeRows returns rows as one complete Arrow IPC stream: the run-file schema, one record batch, and the
// end-of-stream marker.
func encodeRows(rows []schema.Row) ([]byte, error) {
	mem := memory.DefaultAllocator
	sc := schema.Arrow(nil)
	rec := schema.NewRecordBatch(mem, sc, rows)
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(sc), ipc.WithAllocator(mem))
	if err := w.Write(rec); err != nil {
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeRows reads every record batch of the Arrow IPC stream b as run-file rows. A plugin's rows are as untrusted
// as a file, so they go through the guards of schema.DecodeStream.
func decodeRows(b []byte) ([]schema.Row, error) {
	return schema.DecodeStream(b, memory.DefaultAllocator)
}

// chunks splits b into pieces of at most chunkPayload bytes. An empty b gives one empty piece.
func chunks(b []byte) [][]byte {
	var out [][]byte
	for len(b) > chunkPayload {
		out = append(out, b[:chunkPayload])
		b = b[chunkPayload:]
	}
	return append(out, b)
}
