package backends

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	pb "github.com/scalefit/scalefit/backends/proto"
)

// errConnLost marks an error caused by losing the connection to the plugin, most often because its process died.
var errConnLost = errors.New("lost the connection to the plugin")

// remote is the host's side of the protocol: a Backend whose calls go over gRPC to a plugin.
type remote struct {
	client pb.BackendClient
	onRecv func(*pb.RunEvent) // test hook: sees every event of the plugin's side of Run
}

// Info asks the plugin for its Info.
func (r *remote) Info(ctx context.Context) (Info, error) {
	resp, err := r.client.Info(ctx, &pb.InfoRequest{})
	if err != nil {
		return Info{}, fromStatus(ctx, err)
	}
	return Info{Name: resp.Name, Version: resp.Version, Devices: resp.Devices, Protocol: resp.Protocol,
		PeakFLOPS: resp.PeakFlops, SpeedFLOPS: resp.SpeedFlops}, nil
}

// Run sends req to the plugin and passes what comes back to sink, on the calling goroutine. If sink.Rows fails, the
// call is cancelled, which cancels the plugin's run, and the error is returned.
func (r *remote) Run(ctx context.Context, req *Request, sink Sink) (Result, error) {
	if req == nil {
		return Result{}, errors.New("nil request")
	}
	if sink == nil {
		return Result{}, errors.New("nil sink")
	}
	if err := checkWireRequest(req); err != nil {
		return Result{}, err
	}

	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := r.client.Run(callCtx)
	if err != nil {
		return Result{}, fromStatus(ctx, err)
	}

	// Send on another goroutine, so that a plugin that reports progress before it has read the whole request cannot
	// deadlock against us. gRPC allows one sender and one receiver on a stream at the same time.
	sent := make(chan error, 1)
	go func() {
		err := sendRequest(req, stream.Send)
		if err == nil {
			err = stream.CloseSend()
		}
		sent <- err
	}()
	defer func() {
		cancel() // unblocks a Send still in flight
		<-sent
	}()

	var (
		rowBytes []byte
		result   *Result
	)
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Result{}, fromStatus(ctx, err)
		}
		if r.onRecv != nil {
			r.onRecv(ev)
		}
		if result != nil {
			return Result{}, errors.New("protocol error: event after the result")
		}
		switch e := ev.Event.(type) {
		case *pb.RunEvent_Progress:
			if p := e.Progress; p != nil {
				sink.Progress(Progress{TokensDone: p.TokensDone, TokensTotal: p.TokensTotal, TokensPerSec: p.TokensPerSec, Stage: p.Stage})
			}
		case *pb.RunEvent_Rows:
			if e.Rows == nil {
				continue
			}
			rowBytes = append(rowBytes, e.Rows.ArrowIpc...)
			if !e.Rows.Last {
				continue
			}
			rows, err := decodeRows(rowBytes)
			if err != nil {
				return Result{}, fmt.Errorf("protocol error: row data: %w", err)
			}
			rowBytes = rowBytes[:0]
			if err := sink.Rows(rows); err != nil {
				return Result{}, err
			}
		case *pb.RunEvent_Result:
			res := Result{Loss: math.NaN()}
			if e.Result != nil {
				res = Result{Loss: e.Result.Loss, LossTokens: e.Result.LossTokens, Backend: e.Result.Backend}
			}
			result = &res
		default:
			// An event this version does not know: a newer plugin may send it, and it is safe to skip.
		}
	}
	if len(rowBytes) > 0 {
		return Result{}, errors.New("protocol error: row data ended without its last chunk")
	}
	if result == nil {
		return Result{}, errors.New("protocol error: the run ended without a result")
	}
	return *result, nil
}

var _ Backend = (*remote)(nil)
