package backends

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/scalefit/scalefit/backends/proto"
	"github.com/scalefit/scalefit/internal/quote"
	"github.com/scalefit/scalefit/schema"
)

// grpcServer serves a Backend over the gRPC service scalefit.backend.v1.Backend. It is the plugin's side of the
// protocol.
type grpcServer struct {
	pb.UnimplementedBackendServer
	impl   Backend
	log    hclog.Logger
	onRecv func(*pb.RunRequest) // test hook: sees every message of the host's side of Run
}

// Info answers with the backend's Info. The protocol version is the one this server speaks, whatever the backend says.
func (s *grpcServer) Info(ctx context.Context, _ *pb.InfoRequest) (resp *pb.InfoResponse, err error) {
	defer s.recoverPanic(&err)
	info, err := s.impl.Info(ctx)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.InfoResponse{Name: info.Name, Version: info.Version, Devices: info.Devices, Protocol: ProtocolVersion,
		PeakFlops: info.PeakFLOPS, SpeedFlops: info.SpeedFLOPS}, nil
}

// Run reads the whole request, runs the backend with a sink that streams its progress and rows back, and ends with the
// result. The backend's context is the call's: it is cancelled when the host cancels the call or goes away.
func (s *grpcServer) Run(stream pb.Backend_RunServer) (err error) {
	defer s.recoverPanic(&err)
	ctx := stream.Context()
	var asm requestAssembler
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if s.onRecv != nil {
			s.onRecv(msg)
		}
		if err := asm.add(msg); err != nil {
			return status.Errorf(codes.InvalidArgument, "bad run request: %s", err)
		}
	}
	req, err := asm.finish()
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "bad run request: %s", err)
	}

	sink := &streamSink{stream: stream}
	res, err := s.impl.Run(ctx, req, sink)
	if err != nil {
		return toStatus(ctx, err)
	}
	if err := sink.failed(); err != nil {
		return toStatus(ctx, err)
	}
	return sink.send(&pb.RunEvent{Event: &pb.RunEvent_Result{Result: &pb.Result{
		Loss:       res.Loss,
		LossTokens: res.LossTokens,
		Backend:    res.Backend,
	}}})
}

// recoverPanic turns a panic of the backend on the handler's goroutine into an error, so that the plugin survives and
// the host sees a one-line message. The stack goes to the plugin's log at debug level.
func (s *grpcServer) recoverPanic(err *error) {
	if p := recover(); p != nil {
		if s.log != nil {
			s.log.Debug("backend panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
		*err = status.Errorf(codes.Internal, "backend panicked: %s", quote.Line(fmt.Sprint(p), maxStatusMessage))
	}
}

// streamSink is the Sink a served backend writes to. It sends each Progress as one event and each Rows call as one
// Arrow IPC stream, split into RowsChunk events. It is safe for concurrent use: the chunks of one Rows call are never
// interleaved with other events.
type streamSink struct {
	mu     sync.Mutex
	stream pb.Backend_RunServer
	err    error // the first failed send; later sends are skipped
}

// Progress sends p. A failed send is remembered and returned by the next Rows call and at the end of the run.
func (s *streamSink) Progress(p Progress) {
	_ = s.send(&pb.RunEvent{Event: &pb.RunEvent_Progress{Progress: &pb.Progress{
		TokensDone:   p.TokensDone,
		TokensTotal:  p.TokensTotal,
		TokensPerSec: p.TokensPerSec,
		Stage:        p.Stage,
	}}})
}

// Rows sends rows as one Arrow IPC stream in chunks of at most MaxMessageBytes.
func (s *streamSink) Rows(rows []schema.Row) error {
	if len(rows) == 0 {
		return s.failed()
	}
	b, err := encodeRows(rows)
	if err != nil {
		return fmt.Errorf("send rows: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := chunks(b)
	for i, p := range parts {
		ev := &pb.RunEvent{Event: &pb.RunEvent_Rows{Rows: &pb.RowsChunk{ArrowIpc: p, Last: i == len(parts)-1}}}
		if err := s.sendLocked(ev); err != nil {
			return err
		}
	}
	return nil
}

func (s *streamSink) send(ev *pb.RunEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendLocked(ev)
}

func (s *streamSink) sendLocked(ev *pb.RunEvent) error {
	if s.err != nil {
		return s.err
	}
	if err := s.stream.Send(ev); err != nil {
		s.err = fmt.Errorf("send to host: %w", err)
	}
	return s.err
}

func (s *streamSink) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
