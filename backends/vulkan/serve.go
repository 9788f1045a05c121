package vulkan

import "github.com/scalefit/scalefit/backends"

// Serve serves the Vulkan backend as a scalefit plugin over go-plugin's gRPC transport (see backends.Serve) and
// returns when the host is done with it. It is the whole main of cmd/scalefit-backend-vulkan.
func Serve() { backends.Serve(New()) }
