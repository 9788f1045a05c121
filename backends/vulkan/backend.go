package vulkan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/backends"
)

// Name and Version identify the backend in backends.Info, in the rows' backend column and in run-file metadata.
const (
	Name    = "vulkan"
	Version = "0.1.0"
)

// Backend is the Vulkan compute backend. It opens the device a request names for the length of one run.
type Backend struct{}

// New returns the Vulkan backend.
func New() *Backend { return &Backend{} }

var _ backends.Backend = (*Backend)(nil)

// Info lists the machine's Vulkan devices, one line each, as `scalefit backends` shows them. Where Vulkan cannot run
// (no loader, no driver, no device), the one device entry says "unavailable:" and why; Info itself does not fail.
func (b *Backend) Info(ctx context.Context) (backends.Info, error) {
	info := backends.Info{Name: Name, Version: Version, Protocol: backends.ProtocolVersion}
	devs, err := Probe()
	if err != nil {
		info.Devices = []string{"unavailable: " + unavailableReason(err)}
		return info, nil
	}
	for _, d := range devs {
		info.Devices = append(info.Devices, d.String())
	}
	return info, nil
}

// unavailableReason is err without the "vulkan unavailable: " that ErrUnavailable puts in front.
func unavailableReason(err error) string {
	return strings.TrimPrefix(err.Error(), ErrUnavailable.Error()+": ")
}

// errNoMeasure is returned by Run until the backend is wired to the shared layer loop.
var errNoMeasure = errors.New("the Vulkan backend's op set is not yet wired to the layer loop (package measure)")

// Run measures req on device req.Device. Where that device cannot be opened, it fails at once with one line saying
// why, before reading the checkpoint.
func (b *Backend) Run(ctx context.Context, req *backends.Request, sink backends.Sink) (backends.Result, error) {
	res := backends.Result{Loss: math.NaN(), Backend: Name + " " + Version}
	if req == nil {
		return res, fmt.Errorf("%s: nil request", Name)
	}
	g, err := openGPU(req.Device)
	if err != nil {
		return res, err // "vulkan unavailable: …"
	}
	g.recycle()
	return res, fmt.Errorf("%s: %w", Name, errNoMeasure)
}
