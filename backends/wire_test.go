package backends_test

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/scalefit/scalefit/backends"
	pb "github.com/scalefit/scalefit/backends/proto"
)

// seqs returns n sequences of the given length with token ids that cover the whole int32 range.
func seqs(n, length int) [][]int32 {
	out := make([][]int32, n)
	for i := range out {
		s := make([]int32, length)
		for j := range s {
			s[j] = int32(uint32(i*2654435761 + j*40503))
		}
		out[i] = s
	}
	return out
}

func TestSendRequestChunks(t *testing.T) {
	full := backends.ChunkPayload / 4 // int32 values that fill one chunk
	for _, tc := range []struct {
		name string
		seqs [][]int32
	}{
		{"none", nil},
		{"empty sequences", [][]int32{{}, {}, {}}},
		{"extremes", [][]int32{{math.MinInt32, -1, 0, 1, math.MaxInt32}, {}, {7}}},
		{"one chunk exactly", [][]int32{make([]int32, full-1)}},
		{"one value over a chunk", [][]int32{make([]int32, full)}},
		{"3M tokens", seqs(3, 1_000_000)},
		{"lengths over a chunk", seqs(300_000, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := &backends.Request{ModelDir: "/m", Model: "m", Revision: "r", Sequences: tc.seqs, SkipFirst: 2,
				GELU: "tanh", Loss: true, Threads: 5, Device: 3}
			var msgs []*pb.RunRequest
			err := backends.SendRequest(req, func(m *pb.RunRequest) error { msgs = append(msgs, m); return nil })
			if err != nil {
				t.Fatal(err)
			}
			var payload int
			for _, s := range tc.seqs {
				payload += 4 + 4*len(s)
			}
			// Every chunk but the last is full, so the count is the least possible.
			wantChunks := (payload + backends.ChunkPayload - 1) / backends.ChunkPayload
			if got := len(msgs) - 1; got != wantChunks {
				t.Errorf("%d chunks, want %d", got, wantChunks)
			}
			for i, m := range msgs {
				if n := proto.Size(m); n > backends.MaxMessageBytes {
					t.Errorf("message %d is %d bytes, more than %d", i, n, backends.MaxMessageBytes)
				}
				if c := m.GetTokens(); c != nil && i < len(msgs)-1 {
					if n := len(c.Lengths) + len(c.Tokens); n != backends.ChunkPayload {
						t.Errorf("chunk %d of %d carries %d bytes, want a full %d", i, len(msgs)-1, n, backends.ChunkPayload)
					}
				}
			}
			// What a plugin rebuilds is what was sent.
			got, err := backends.AssembleRequest(msgs)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Sequences) != len(req.Sequences) {
				t.Fatalf("%d sequences, want %d", len(got.Sequences), len(req.Sequences))
			}
			for i := range req.Sequences {
				if !slices.Equal(got.Sequences[i], req.Sequences[i]) {
					t.Fatalf("sequence %d differs", i)
				}
			}
			got.Sequences, req.Sequences = nil, nil
			if !reflect.DeepEqual(got, req) {
				t.Errorf("header: got %+v, want %+v", *got, *req)
			}
		})
	}
}

func TestAssembleRequestErrors(t *testing.T) {
	hdr := func(nSeq, nTok int64) *pb.RunRequest {
		return &pb.RunRequest{Msg: &pb.RunRequest_Header{Header: &pb.RunHeader{NSequences: nSeq, NTokens: nTok}}}
	}
	chunk := func(lengths, tokens []byte) *pb.RunRequest {
		return &pb.RunRequest{Msg: &pb.RunRequest_Tokens{Tokens: &pb.TokenChunk{Lengths: lengths, Tokens: tokens}}}
	}
	le := func(v ...uint32) []byte {
		var b []byte
		for _, x := range v {
			b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		}
		return b
	}
	for _, tc := range []struct {
		name string
		msgs []*pb.RunRequest
	}{
		{"no header", nil},
		{"chunk first", []*pb.RunRequest{chunk(le(1), le(5)), hdr(1, 1)}},
		{"two headers", []*pb.RunRequest{hdr(0, 0), hdr(0, 0)}},
		{"empty message", []*pb.RunRequest{hdr(0, 0), {}}},
		{"negative count", []*pb.RunRequest{hdr(-1, 0)}},
		{"partial int32", []*pb.RunRequest{hdr(1, 1), chunk(le(1), []byte{1, 2, 3})}},
		{"too many tokens", []*pb.RunRequest{hdr(1, 1), chunk(le(1), le(5, 6))}},
		{"too many lengths", []*pb.RunRequest{hdr(1, 2), chunk(le(1, 1), le(5, 6))}},
		{"missing tokens", []*pb.RunRequest{hdr(1, 2), chunk(le(2), le(5))}},
		{"lengths do not add up", []*pb.RunRequest{hdr(2, 3), chunk(le(1, 1), le(5, 6, 7))}},
		{"negative length", []*pb.RunRequest{hdr(2, 1), chunk(le(2, 0xffffffff), le(5))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := backends.AssembleRequest(tc.msgs); err == nil {
				t.Error("no error")
			}
		})
	}
}
