package backends_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/backendtest"
	pb "github.com/scalefit/scalefit/backends/proto"
	"github.com/scalefit/scalefit/schema"
)

// thirdParty is a plugin written against the .proto alone, the way an author in another language would: it builds
// its Arrow data by hand, with the columns in another order and an extra column, leaves out the end-of-stream
// marker, and sends tiny chunks with progress events between them. The model name picks a misbehaviour.
type thirdParty struct {
	pb.UnimplementedBackendServer
}

// thirdPartyRows are the rows thirdParty sends.
var thirdPartyRows = []schema.Row{
	{Model: "m", Architecture: "llama", Backend: "tp 0.1", NParams: 7, NParamsNonembed: 5, NLayers: 2, HiddenSize: 8,
		Layer: 1, Depth: 1, Component: "mlp", Seq: 3, NTokens: 9, GainMean: 1.5, GainStd: 0.25, GainMin: 1, GainMax: 2,
		NormInMean: 3, NormOutMean: 4.5},
	{Model: "m", Revision: "r", Architecture: "llama", Backend: "tp 0.1", NParams: -1, NParamsNonembed: math.MaxInt64,
		NLayers: 2, HiddenSize: 8, Component: "attn", GainMean: math.NaN(), GainStd: math.Inf(-1), GainMin: -0.0,
		GainMax: 5e-324, NormInMean: 0, NormOutMean: 1e308},
}

// thirdPartyIPC encodes thirdPartyRows with the run-file columns in reverse order, plus a column "extra".
func thirdPartyIPC(t *testing.T) []byte {
	t.Helper()
	names := schema.ColumnNames()
	base := schema.Arrow(nil)
	var fields []arrow.Field
	for i := len(names) - 1; i >= 0; i-- {
		fields = append(fields, base.Field(i))
	}
	fields = append(fields, arrow.Field{Name: "extra", Type: arrow.BinaryTypes.String})
	sc := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, r := range thirdPartyRows {
		vals := map[string]any{
			"model": r.Model, "revision": r.Revision, "architecture": r.Architecture, "backend": r.Backend,
			"n_params": r.NParams, "n_params_nonembed": r.NParamsNonembed, "n_layers": r.NLayers,
			"hidden_size": r.HiddenSize, "layer": r.Layer, "depth": r.Depth, "component": r.Component, "seq": r.Seq,
			"n_tokens": r.NTokens, "gain_mean": r.GainMean, "gain_std": r.GainStd, "gain_min": r.GainMin,
			"gain_max": r.GainMax, "norm_in_mean": r.NormInMean, "norm_out_mean": r.NormOutMean, "extra": "x",
		}
		for i, f := range fields {
			switch v := vals[f.Name].(type) {
			case string:
				b.Field(i).(*array.StringBuilder).Append(v)
			case int64:
				b.Field(i).(*array.Int64Builder).Append(v)
			case int32:
				b.Field(i).(*array.Int32Builder).Append(v)
			case float64:
				b.Field(i).(*array.Float64Builder).Append(v)
			default:
				t.Fatalf("column %q", f.Name)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(sc))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes() // no Close: no end-of-stream marker
}

var thirdPartyData []byte

func (thirdParty) Run(stream pb.Backend_RunServer) error {
	var hdr *pb.RunHeader
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if h := m.GetHeader(); h != nil {
			hdr = h
		}
	}
	send := func(ev *pb.RunEvent) error { return stream.Send(ev) }
	progress := &pb.RunEvent{Event: &pb.RunEvent_Progress{Progress: &pb.Progress{Stage: "x"}}}
	rows := func(b []byte, last bool) *pb.RunEvent {
		return &pb.RunEvent{Event: &pb.RunEvent_Rows{Rows: &pb.RowsChunk{ArrowIpc: b, Last: last}}}
	}
	result := &pb.RunEvent{Event: &pb.RunEvent_Result{Result: &pb.Result{Loss: 2.5, LossTokens: 11, Backend: "tp 0.1"}}}
	switch hdr.GetModel() {
	case "good":
		for i := 0; i < len(thirdPartyData); i += 100 {
			end := min(i+100, len(thirdPartyData))
			if err := send(rows(thirdPartyData[i:end], end == len(thirdPartyData))); err != nil {
				return err
			}
			if err := send(progress); err != nil {
				return err
			}
		}
		_ = send(&pb.RunEvent{}) // an event from a newer protocol: skipped
		return send(result)
	case "noresult":
		return send(progress)
	case "badarrow":
		return send(rows([]byte("not arrow"), true))
	case "unfinished":
		_ = send(rows(thirdPartyData[:50], false))
		return send(result)
	case "afterresult":
		_ = send(result)
		return send(progress)
	case "status":
		return status.Error(codes.FailedPrecondition, "no GPU\nfound")
	}
	return status.Error(codes.InvalidArgument, "unknown model")
}

func TestThirdPartyPlugin(t *testing.T) {
	thirdPartyData = thirdPartyIPC(t)
	cc, server := plugin.TestGRPCConn(t, func(s *grpc.Server) { pb.RegisterBackendServer(s, thirdParty{}) })
	t.Cleanup(func() {
		cc.Close()
		server.Stop()
	})
	b := backends.NewRemote(cc)

	var rec backendtest.Recorder
	res, err := b.Run(context.Background(), &backends.Request{Model: "good"}, &rec)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rec.AllRows(), thirdPartyRows)
	if n := len(rec.AllProgress()); n != (len(thirdPartyData)+99)/100 {
		t.Errorf("%d progress events", n)
	}
	if res != (backends.Result{Loss: 2.5, LossTokens: 11, Backend: "tp 0.1"}) {
		t.Errorf("result %+v", res)
	}

	for _, tc := range []struct{ model, want string }{
		{"noresult", "protocol error: the run ended without a result"},
		{"badarrow", "protocol error: row data: arrow ipc:"},
		{"unfinished", "protocol error: row data ended without its last chunk"},
		{"afterresult", "protocol error: event after the result"},
		{"status", "no GPU; found"},
	} {
		_, err := b.Run(context.Background(), &backends.Request{Model: tc.model}, &backendtest.Recorder{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q…", tc.model, err, tc.want)
		}
	}
}

// TestServerRejectsBadRequests drives the plugin's side with malformed requests, as a broken host would send them.
func TestServerRejectsBadRequests(t *testing.T) {
	f := &backendtest.Fake{}
	cc, server := plugin.TestGRPCConn(t, func(s *grpc.Server) { backends.RegisterServer(s, f) })
	t.Cleanup(func() {
		cc.Close()
		server.Stop()
	})
	client := pb.NewBackendClient(cc)
	hdr := &pb.RunRequest{Msg: &pb.RunRequest_Header{Header: &pb.RunHeader{NSequences: 1, NTokens: 2}}}
	chunk := &pb.RunRequest{Msg: &pb.RunRequest_Tokens{Tokens: &pb.TokenChunk{Lengths: []byte{2, 0, 0, 0}, Tokens: []byte{1, 0, 0, 0}}}}
	for _, tc := range []struct {
		name string
		msgs []*pb.RunRequest
		want string
	}{
		{"nothing", nil, "bad run request: no header"},
		{"chunk first", []*pb.RunRequest{chunk, hdr}, "bad run request: token chunk before the header"},
		{"short", []*pb.RunRequest{hdr, chunk}, "bad run request: got 1 tokens, the header announced 2"},
	} {
		stream, err := client.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tc.msgs {
			if err := stream.Send(m); err != nil {
				break
			}
		}
		_ = stream.CloseSend()
		_, err = stream.Recv()
		if st := status.Convert(err); st.Code() != codes.InvalidArgument || st.Message() != tc.want {
			t.Errorf("%s: %v, want InvalidArgument %q", tc.name, err, tc.want)
		}
	}
	if f.Runs() != 0 {
		t.Errorf("the backend ran %d times on bad requests", f.Runs())
	}
}
