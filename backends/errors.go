package backends

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/scalefit/scalefit/internal/quote"
)

// Kinds of failure that a backend reports and a caller may act on. A backend wraps one of them (fmt.Errorf("…: %w",
// ErrCorrupt)); the plugin protocol carries the kind as a gRPC status code, and on the host errors.Is finds it again:
//
//	ErrUnsupportedModel  codes.FailedPrecondition  the model is valid but this backend cannot run it (an architecture,
//	                                               dtype or size it does not support)
//	ErrInvalidRequest    codes.InvalidArgument     the request itself is wrong (an option out of range, a token id
//	                                               outside the vocabulary)
//	ErrCorrupt           codes.DataLoss            a file of the model is damaged or hostile (truncated, wrong sizes,
//	                                               a pickle that is not a plain state dict)
//
// Any other error travels as codes.Unknown with its message.
var (
	ErrUnsupportedModel = errors.New("unsupported model")
	ErrInvalidRequest   = errors.New("invalid request")
	ErrCorrupt          = errors.New("corrupt model file")
)

// WithKind returns err marked as kind (ErrUnsupportedModel, ErrInvalidRequest or ErrCorrupt) with its message
// unchanged: errors.Is finds kind in it, and whatever err wraps. A backend uses it where the message already says
// everything, e.g. WithKind(err, ErrCorrupt) for an error of checkpoint.Open about a damaged file.
func WithKind(err, kind error) error {
	if err == nil {
		return nil
	}
	return &withKind{err, kind}
}

type withKind struct{ err, kind error }

func (e *withKind) Error() string   { return e.err.Error() }
func (e *withKind) Unwrap() []error { return []error{e.err, e.kind} }

// errorKinds pairs each kind with its status code.
var errorKinds = []struct {
	err  error
	code codes.Code
}{
	{ErrUnsupportedModel, codes.FailedPrecondition},
	{ErrInvalidRequest, codes.InvalidArgument},
	{ErrCorrupt, codes.DataLoss},
}

// maxStatusMessage bounds the message of an error that crosses the plugin protocol. gRPC carries it in an HTTP/2
// trailer, and one of megabytes (a hostile tensor name quoted in full) broke the connection instead of arriving.
const maxStatusMessage = 4 << 10

// kindError is an error received from a plugin: its message, and the kind its status code names.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// toStatus turns an error of a backend into the gRPC status that ends a Run or Info call: cancellation keeps its code,
// so that the host can tell it apart; an error of one of the kinds above gets that kind's code; every other error
// becomes codes.Unknown. The message is made one clean line of at most maxStatusMessage bytes.
func toStatus(ctx context.Context, err error) error {
	msg := quote.Line(err.Error(), maxStatusMessage)
	switch {
	case ctx.Err() != nil:
		return status.FromContextError(ctx.Err()).Err()
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, msg)
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, msg)
	}
	for _, k := range errorKinds {
		if errors.Is(err, k.err) {
			return status.Error(k.code, msg)
		}
	}
	return status.Error(codes.Unknown, msg)
}

// fromStatus turns the error of a gRPC call into a one-line error, the inverse of toStatus. When ctx itself is done,
// the error is ctx.Err(), so that errors.Is(err, context.Canceled) holds after the caller cancels a run. The message
// from the plugin is cleaned and capped again: a third-party plugin need not have done it.
func fromStatus(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	st, ok := status.FromError(err)
	if !ok {
		return errors.New(quote.Line(err.Error(), maxStatusMessage))
	}
	msg := quote.Line(st.Message(), maxStatusMessage)
	switch st.Code() {
	case codes.Unavailable:
		return fmt.Errorf("%w: %s", errConnLost, msg)
	case codes.Canceled:
		return fmt.Errorf("%w: %s", context.Canceled, msg)
	case codes.DeadlineExceeded:
		return fmt.Errorf("%w: %s", context.DeadlineExceeded, msg)
	}
	for _, k := range errorKinds {
		if st.Code() == k.code {
			return &kindError{msg: msg, kind: k.err}
		}
	}
	return errors.New(msg)
}
