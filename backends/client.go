package backends

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// LaunchOptions tune how the host starts a plugin. The zero value is what the CLI uses by default.
type LaunchOptions struct {
	// Stderr receives the plugin's log lines, formatted by hclog, and whatever it writes to its stderr. Default:
	// os.Stderr.
	Stderr io.Writer

	// LogLevel is the least level of the plugin's log lines shown: "trace", "debug", "info", "warn" (the default) or
	// "error". It is passed to the plugin in EnvLogLevel.
	LogLevel string

	// StartTimeout bounds the start and handshake of the plugin. Default: 30 s, or less if ctx has an earlier
	// deadline.
	StartTimeout time.Duration
}

// Client is a running backend plugin. It implements Backend; Close stops the plugin.
type Client struct {
	found   Found
	label   string // how the user named it, for errors
	pc      *plugin.Client
	backend Backend
	info    Info // what the plugin answered to launch's Info call
	sockDir string
	once    sync.Once
}

// Launch starts the backend that spec names (see Resolve: "cpu", a name, or a path) and returns it with the function
// that stops it; it is Start for callers that need only the Backend.
func Launch(ctx context.Context, spec string, opts LaunchOptions) (Backend, func(), error) {
	c, err := Start(ctx, spec, opts)
	if err != nil {
		return nil, nil, err
	}
	return c, func() { _ = c.Close() }, nil
}

// Start starts the backend that spec names (see Resolve: "cpu", a name, or a path), completes the go-plugin
// handshake with automatic mutual TLS, and checks the protocol version by calling Info. ctx bounds the start only;
// the plugin runs until Close (or CloseAll). Errors are one line and name the backend, e.g.
//
//	backend "./foo": not a scalefit plugin (handshake failed): Unrecognized remote plugin message: hello
func Start(ctx context.Context, spec string, opts LaunchOptions) (*Client, error) {
	f, err := Resolve(spec)
	if err != nil {
		return nil, err
	}
	if spec == "" {
		spec = f.Name
	}
	return launch(ctx, f, spec, opts)
}

func launch(ctx context.Context, f Found, label string, opts LaunchOptions) (*Client, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("backend %q: %s", label, oneLine(fmt.Sprintf(format, args...)))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("backend %q: %w", label, err)
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	level := logLevel(opts.LogLevel)
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(dl)), time.Millisecond) // go-plugin reads 0 as its default, 1 min
	}

	// The plugin makes its Unix sockets in a directory of our own, so that Close can remove them even after a
	// plugin that was killed could not.
	sockDir, err := os.MkdirTemp("", "scalefit-plugin-")
	if err != nil {
		return nil, fail("socket directory: %v", err)
	}
	cmd := exec.Command(f.Path)
	cmd.Env = append(pluginEnv(os.Environ()),
		"PLUGIN_UNIX_SOCKET_DIR="+sockDir,
		EnvLogLevel+"="+strings.ToLower(level.String()))
	if f.Builtin {
		cmd.Env = append(cmd.Env, EnvServeBackend+"="+f.Name)
	}
	tail := &tailWriter{}
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          plugin.PluginSet{PluginName: &Plugin{}},
		Cmd:              cmd,
		SkipHostEnv:      true, // cmd.Env already holds the host's environment, less what must not leak through
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		StartTimeout:     timeout,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:        "scalefit",
			Level:       level,
			Output:      opts.Stderr,
			DisableTime: true,
		}),
		Stderr:          tail,
		SyncStdout:      opts.Stderr,
		SyncStderr:      opts.Stderr,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvBytes))},
	})
	c := &Client{found: f, label: label, pc: pc, sockDir: sockDir}

	rpc, err := pc.Client()
	if err != nil {
		c.Close()
		switch {
		case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist), errors.Is(err, exec.ErrNotFound):
			return nil, fail("cannot start %s: %v", f.Path, err)
		case strings.Contains(strings.ToLower(err.Error()), "incompatible api version"):
			return nil, fail("speaks another protocol version than %d: %s", ProtocolVersion, firstLine(err.Error()))
		}
		why := firstLine(err.Error())
		if strings.Contains(err.Error(), "Failed to read any lines") {
			// go-plugin's wording when stdout closed before a handshake line came.
			why = "it printed no handshake line before it exited"
		}
		msg := "not a scalefit plugin (handshake failed): " + why
		if last := tail.lastLine(); last != "" {
			msg += fmt.Sprintf(" (its last words: %q)", last)
		}
		return nil, fail("%s", msg)
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		c.Close()
		return nil, fail("not a scalefit plugin: %v", err)
	}
	b, ok := raw.(Backend)
	if !ok {
		c.Close()
		return nil, fail("not a scalefit plugin: dispensed %T", raw)
	}
	c.backend = b
	info, err := b.Info(ctx)
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("backend %q: %w", label, ctx.Err())
		}
		return nil, fail("not a scalefit plugin (Info failed): %v", err)
	}
	if info.Protocol != ProtocolVersion {
		c.Close()
		return nil, fail("speaks protocol version %d, want %d", info.Protocol, ProtocolVersion)
	}
	c.info = info
	live.add(c)
	return c, nil
}

// Found returns what was launched.
func (c *Client) Found() Found { return c.found }

// Info asks the plugin for its Info.
func (c *Client) Info(ctx context.Context) (Info, error) {
	info, err := c.backend.Info(ctx)
	if err != nil {
		return Info{}, c.wrap(ctx, err)
	}
	return info, nil
}

// Run runs req on the plugin; see Backend. Cancelling ctx cancels the plugin's run.
func (c *Client) Run(ctx context.Context, req *Request, sink Sink) (Result, error) {
	res, err := c.backend.Run(ctx, req, sink)
	if err != nil {
		return Result{}, c.wrap(ctx, err)
	}
	return res, nil
}

// wrap names the backend in err, and says so when the plugin's process has died.
func (c *Client) wrap(ctx context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(err, errConnLost) {
		// The process's exit is noticed a moment after the connection drops.
		for range 50 {
			if c.pc.Exited() {
				return fmt.Errorf("backend %q: the plugin process exited during the call: %w", c.label, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return fmt.Errorf("backend %q: %w", c.label, err)
}

// Close stops the plugin, killing it if it does not exit promptly, and removes its sockets. It is safe to call more
// than once.
func (c *Client) Close() error {
	var err error
	c.once.Do(func() {
		c.pc.Kill()
		err = os.RemoveAll(c.sockDir)
		live.remove(c)
	})
	return err
}

// CloseAll closes every Client that Start or Launch returned and that is still open. The CLI defers it in main and
// calls it on an interrupt, so that no plugin process outlives the host.
func CloseAll() {
	for _, c := range live.all() {
		c.Close()
	}
}

// live is the set of open clients.
var live clientSet

type clientSet struct {
	mu sync.Mutex
	m  map[*Client]struct{}
}

func (s *clientSet) add(c *Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[*Client]struct{}{}
	}
	s.m[c] = struct{}{}
}

func (s *clientSet) remove(c *Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, c)
}

func (s *clientSet) all() []*Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Client, 0, len(s.m))
	for c := range s.m {
		out = append(out, c)
	}
	return out
}

// pluginEnv returns env without the variables that the host sets for each plugin itself, so that none leaks from the
// host's own environment.
func pluginEnv(env []string) []string {
	drop := map[string]bool{
		"PLUGIN_UNIX_SOCKET_DIR": true,
		EnvServeBackend:          true,
		EnvLogLevel:              true,
		Handshake.MagicCookieKey: true,
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return out
}

// tailWriter keeps the last few kilobytes written to it: the end of a plugin's stderr, quoted when its start fails.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > 4096 {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-4096:]...)
	}
	return len(p), nil
}

// lastLine returns the last non-blank line written, or the message of an hclog JSON line, shortened to 200 bytes.
func (w *tailWriter) lastLine() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	lines := strings.Split(string(w.buf), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		var entry struct {
			Message string `json:"@message"`
		}
		if json.Unmarshal([]byte(l), &entry) == nil && entry.Message != "" {
			l = entry.Message
		}
		if len(l) > 200 {
			l = l[:200] + "…"
		}
		return l
	}
	return ""
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

var _ Backend = (*Client)(nil)
