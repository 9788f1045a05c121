package backends

import (
	"google.golang.org/grpc"

	pb "github.com/scalefit/scalefit/backends/proto"
)

// Exported for the tests of package backends_test, which cannot import package backends' internals directly because
// they use package backendtest, which imports backends.

const ChunkPayload = chunkPayload

var (
	SendRequest = sendRequest
)

// AssembleRequest rebuilds a Request from the messages of the host's side of Run, as a plugin does.
func AssembleRequest(msgs []*pb.RunRequest) (*Request, error) {
	var a requestAssembler
	for _, m := range msgs {
		if err := a.add(m); err != nil {
			return nil, err
		}
	}
	return a.finish()
}

// NewTestPlugin returns a Plugin serving impl whose server calls serverRecv with every message of the host's side of
// Run, and whose client calls clientRecv with every event of the plugin's side.
func NewTestPlugin(impl Backend, serverRecv func(*pb.RunRequest), clientRecv func(*pb.RunEvent)) *Plugin {
	return &Plugin{Impl: impl, serverRecv: serverRecv, clientRecv: clientRecv}
}

// NewRemote returns the host's side of the protocol over cc.
func NewRemote(cc grpc.ClientConnInterface) Backend { return &remote{client: pb.NewBackendClient(cc)} }

// RegisterServer registers the plugin's side of the protocol, serving impl, on s.
func RegisterServer(s *grpc.Server, impl Backend) {
	pb.RegisterBackendServer(s, &grpcServer{impl: impl})
}

// LaunchFound starts f as Start would.
var LaunchFound = launch

// SockDir returns the directory of the plugin's sockets.
func (c *Client) SockDir() string { return c.sockDir }

// Pid returns the plugin's process id.
func (c *Client) Pid() int { return c.pc.ReattachConfig().Pid }
