package backends

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "github.com/scalefit/scalefit/backends/proto"
)

// Handshake is the go-plugin handshake shared by the scalefit host and every backend plugin. The host sets the magic
// cookie in the plugin's environment; a plugin started without it refuses to run, and one that answers with another
// protocol version is rejected.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "SCALEFIT_BACKEND_PLUGIN",
	MagicCookieValue: "6f1c3a0e-scalefit-backend-d2b48e97",
}

// PluginName is the name under which a plugin serves its backend in go-plugin's plugin set.
const PluginName = "backend"

// Environment variables of the protocol.
const (
	// EnvServeBackend, set together with the handshake's magic cookie, makes a binary that has builtin backends
	// serve the named one as a plugin instead of doing its usual work. See ServeBuiltinIfRequested.
	EnvServeBackend = "SCALEFIT_SERVE_BACKEND"

	// EnvLogLevel sets the level of the plugin's log: trace, debug, info, warn (the default) or error. The host
	// passes its own level down to the plugins it starts.
	EnvLogLevel = "SCALEFIT_LOG_LEVEL"
)

// Plugin is the go-plugin glue of the protocol. On the plugin's side, GRPCServer serves Impl; on the host's side,
// GRPCClient returns a Backend whose calls go to the plugin. Only the gRPC transport is supported.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin

	// Impl is the backend served; the host leaves it nil.
	Impl Backend

	log        hclog.Logger
	serverRecv func(*pb.RunRequest) // test hooks
	clientRecv func(*pb.RunEvent)
}

// GRPCServer registers the scalefit.backend.v1.Backend service, served by p.Impl, on s.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return errors.New("backends: Plugin.Impl is nil")
	}
	pb.RegisterBackendServer(s, &grpcServer{impl: p.Impl, log: p.log, onRecv: p.serverRecv})
	return nil
}

// GRPCClient returns a Backend that calls the plugin on the other end of cc.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, cc *grpc.ClientConn) (any, error) {
	return &remote{client: pb.NewBackendClient(cc), onRecv: p.clientRecv}, nil
}

var _ plugin.GRPCPlugin = (*Plugin)(nil)

// Serve serves b as a scalefit backend plugin over go-plugin's gRPC transport, with mutual TLS when the host asks for
// it (the scalefit host always does). It returns when the host closes the connection; call it from the plugin's main.
//
// The plugin's stdout is go-plugin's handshake channel: nothing else may ever be written to it. Log to stderr, which
// the host reads; Serve's own log goes there as JSON lines at the level of EnvLogLevel (warn by default).
//
// The plugin exits when the host process goes away without stopping it (on Unix, where its parent process id then
// changes), so that a killed host leaves no plugin running.
//
// Run outside a scalefit host, Serve prints a short explanation to stderr and exits with status 1.
func Serve(b Backend) {
	log := serveLogger()
	go exitWithParent(log)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{PluginName: &Plugin{Impl: b, log: log}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return plugin.DefaultGRPCServer(append(opts, grpc.MaxRecvMsgSize(maxRecvBytes)))
		},
		Logger: log,
	})
}

// exitWithParent ends the process once its parent, the host, has died.
func exitWithParent(log hclog.Logger) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return
	}
	for range time.Tick(time.Second) {
		if os.Getppid() != ppid {
			log.Warn("the host process is gone; exiting")
			os.Exit(1)
		}
	}
}

// serveLogger is the plugin's logger: JSON lines on stderr, which the host parses and shows at their level.
func serveLogger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       "plugin",
		Level:      logLevel(os.Getenv(EnvLogLevel)),
		Output:     os.Stderr,
		JSONFormat: true,
	})
}

// logLevel parses a level name of EnvLogLevel or LaunchOptions.LogLevel; an empty or unknown name means warn.
func logLevel(name string) hclog.Level {
	if level := hclog.LevelFromString(name); level != hclog.NoLevel {
		return level
	}
	return hclog.Warn
}

// ServeBuiltinIfRequested serves one of the binary's builtin backends as a plugin when the host asked for it, and
// reports whether it did. The host asks by starting the binary with EnvServeBackend set to the backend's name and the
// handshake's magic cookie set; the scalefit CLI's main calls this first thing and returns if it reports true:
//
//	func main() {
//		builtins := map[string]func() backends.Backend{"cpu": func() backends.Backend { return cpu.New() }}
//		if backends.ServeBuiltinIfRequested(builtins) {
//			return
//		}
//		// the CLI
//	}
//
// A request for a name that is not in builtins is logged as an error, which the host shows, and reported as served.
func ServeBuiltinIfRequested(builtins map[string]func() Backend) bool {
	name := os.Getenv(EnvServeBackend)
	if name == "" || os.Getenv(Handshake.MagicCookieKey) != Handshake.MagicCookieValue {
		return false
	}
	_ = os.Unsetenv(EnvServeBackend)
	newBackend, ok := builtins[name]
	if !ok || newBackend == nil {
		serveLogger().Error(fmt.Sprintf("this binary has no builtin backend %q", name))
		return true
	}
	Serve(newBackend())
	return true
}
