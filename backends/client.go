package backends

import (
	"bytes"
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

	"github.com/scalefit/scalefit/internal/quote"
)

// LaunchOptions tune how the host starts a plugin. The zero value is what the CLI uses by default.
type LaunchOptions struct {
	// Stderr receives the log of the plugin connection: go-plugin's own lines ("plugin process exited", …) and
	// everything the plugin writes to its stderr, a panic trace included, formatted by hclog. Default: nothing; the
	// CLI passes its --verbose or --log-file destination. Whatever the log holds, an error of Start or of a call is
	// one line that names the backend and the cause.
	Stderr io.Writer

	// LogLevel is the least level of the log lines written to Stderr: "trace", "debug", "info", "warn" (the default)
	// or "error". It is passed to the plugin in EnvLogLevel.
	LogLevel string

	// StartTimeout bounds the start and handshake of the plugin. Default: DefaultStartTimeout, or less if ctx has an
	// earlier deadline.
	StartTimeout time.Duration

	// InfoTimeout bounds the Info call that follows the handshake, in which a backend may measure its devices (the
	// CPU backend times its FMA peak and a short matrix product, which a busy machine slows down). Default:
	// DefaultInfoTimeout, or less if ctx has an earlier deadline.
	InfoTimeout time.Duration

	// StopTimeout bounds how long Close waits for the plugin to exit by itself before it kills the plugin's whole
	// process group. Default: DefaultStopTimeout.
	StopTimeout time.Duration
}

// Default timeouts of LaunchOptions. A plugin prints its handshake line before it does anything slow (the builtin
// one does within 0.1 s), so one that has not done so after a few seconds never will.
const (
	DefaultStartTimeout = 5 * time.Second
	DefaultInfoTimeout  = 60 * time.Second
	DefaultStopTimeout  = 3 * time.Second
)

// killWait is how long Close waits for go-plugin to notice that the killed process group is gone.
const killWait = 2 * time.Second

// Client is a running backend plugin. It implements Backend; Close stops the plugin.
type Client struct {
	found       Found
	label       string // how the user named it, for errors
	pc          *plugin.Client
	cmd         *exec.Cmd
	backend     Backend
	info        Info // what the plugin answered to launch's Info call
	sockDir     string
	tail        *tailWriter
	stopTimeout time.Duration
	once        sync.Once
	closeErr    error
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
		return fmt.Errorf("backend %q: %s", label, quote.Line(fmt.Sprintf(format, args...), maxStatusMessage))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("backend %q: %w", label, err)
	}
	logOut := opts.Stderr
	if logOut == nil {
		logOut = io.Discard
	}
	level := logLevel(opts.LogLevel)
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(dl)), time.Millisecond) // go-plugin reads 0 as its default, 1 min
	}
	stopTimeout := opts.StopTimeout
	if stopTimeout <= 0 {
		stopTimeout = DefaultStopTimeout
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
	ownProcessGroup(cmd)
	tail := &tailWriter{}
	out := io.MultiWriter(tail, logOut)
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
			Output:      logOut,
			DisableTime: true,
		}),
		Stderr:          tail,
		SyncStdout:      out,
		SyncStderr:      out,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvBytes))},
	})
	c := &Client{found: f, label: label, pc: pc, cmd: cmd, sockDir: sockDir, tail: tail, stopTimeout: stopTimeout}
	live.add(c)

	rpc, err := pc.Client()
	if err != nil {
		if cmd.Process != nil {
			killProcessGroup(cmd.Process.Pid) // it never served: there is nothing to stop gracefully
		}
		c.Close()
		switch {
		case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist), errors.Is(err, exec.ErrNotFound):
			return nil, fail("cannot start %s: %v", f.Path, err)
		case strings.Contains(strings.ToLower(err.Error()), "incompatible api version"):
			return nil, fail("speaks another protocol version than %d: %s", ProtocolVersion, firstLine(err.Error()))
		case strings.Contains(err.Error(), "timeout while waiting for plugin to start"):
			return nil, fail("not a scalefit plugin: it printed no handshake line within %v%s", timeout.Round(time.Millisecond), tail.lastWords())
		}
		why := firstLine(err.Error())
		if strings.Contains(err.Error(), "Failed to read any lines") {
			// go-plugin's wording when stdout closed before a handshake line came.
			why = "it printed no handshake line before it exited"
		}
		return nil, fail("not a scalefit plugin (handshake failed): %s%s", why, tail.lastWords())
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
	infoTimeout := opts.InfoTimeout
	if infoTimeout <= 0 {
		infoTimeout = DefaultInfoTimeout
	}
	infoCtx, cancel := context.WithTimeout(ctx, infoTimeout)
	info, err := b.Info(infoCtx)
	cancel()
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("backend %q: %w", label, ctx.Err())
		}
		if infoCtx.Err() != nil {
			return nil, fail("it did not answer the Info call within %v", infoTimeout.Round(time.Millisecond))
		}
		return nil, fail("not a scalefit plugin (Info failed): %v", err)
	}
	if info.Protocol != ProtocolVersion {
		c.Close()
		return nil, fail("speaks protocol version %d, want %d", info.Protocol, ProtocolVersion)
	}
	c.info = info
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

// wrap names the backend in err, and says so when the plugin's process has died, with the cause it left on its
// stderr (a panic's first line, say); the rest of what it wrote is in the log (LaunchOptions.Stderr).
func (c *Client) wrap(ctx context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(err, errConnLost) {
		// The process's exit is noticed a moment after the connection drops.
		for range 50 {
			if c.pc.Exited() {
				return fmt.Errorf("backend %q: the plugin process exited during the call%s: %w", c.label, c.tail.lastWords(), err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return fmt.Errorf("backend %q: %w", c.label, err)
}

// Close stops the plugin and removes its sockets. It asks the plugin to exit and waits StopTimeout for it; a plugin
// that does not (a frozen process, or a wrapper script whose child keeps the plugin's stdout open, on which go-plugin
// would wait for ever) is killed with its whole process group. Close then kills whatever is left of the group, so
// that nothing the plugin started outlives it. It returns within StopTimeout plus a few seconds, and is safe to call
// more than once and from several goroutines.
func (c *Client) Close() error {
	c.once.Do(func() {
		defer live.remove(c)
		done := make(chan struct{})
		go func() {
			c.pc.Kill()
			close(done)
		}()
		pid := 0
		if c.cmd.Process != nil {
			pid = c.cmd.Process.Pid
		}
		select {
		case <-done:
		case <-time.After(c.stopTimeout):
			killProcessGroup(pid)
			select {
			case <-done:
			case <-time.After(killWait):
				c.closeErr = fmt.Errorf("backend %q: the plugin (process %d) did not exit, even when killed", c.label, pid)
			}
		}
		killProcessGroup(pid)
		if err := os.RemoveAll(c.sockDir); err != nil && c.closeErr == nil {
			c.closeErr = err
		}
	})
	return c.closeErr
}

// CloseAll closes every Client that Start or Launch returned and that is still open. The CLI defers it in main and
// calls it on an interrupt, so that no plugin process outlives the host.
func CloseAll() {
	var wg sync.WaitGroup
	for _, c := range live.all() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Close()
		}()
	}
	wg.Wait()
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

// tailWriter keeps the last few kilobytes written to it, the end of a plugin's stderr, and the first line of a Go
// panic or fatal error in it: what an error quotes as the plugin's last words.
type tailWriter struct {
	mu    sync.Mutex
	buf   []byte
	panic string
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if w.panic == "" {
		for _, prefix := range []string{"panic: ", "fatal error: "} {
			i := bytes.Index(w.buf, []byte(prefix))
			if i < 0 || (i > 0 && w.buf[i-1] != '\n') {
				continue
			}
			if j := bytes.IndexByte(w.buf[i:], '\n'); j >= 0 {
				w.panic = string(w.buf[i : i+j])
				break
			}
		}
	}
	if len(w.buf) > 4096 {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-4096:]...)
	}
	return len(p), nil
}

// lastWords returns what the plugin said last on its stderr, as the end of an error message: the first line of a Go
// panic or fatal error when there is one (its goroutine trace goes only to the log), else the last non-blank line (the
// message of an hclog JSON line), quoted and capped. It returns "" when the plugin said nothing.
func (w *tailWriter) lastWords() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	last := w.panic
	lines := strings.Split(string(w.buf), "\n")
	for i := len(lines) - 1; i >= 0 && last == ""; i-- {
		l := strings.TrimSpace(lines[i])
		var entry struct {
			Message string `json:"@message"`
		}
		if json.Unmarshal([]byte(l), &entry) == nil && entry.Message != "" {
			l = entry.Message
		}
		last = l
	}
	if last == "" {
		return ""
	}
	return fmt.Sprintf(" (its last words: %s)", quote.String(last))
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

var _ Backend = (*Client)(nil)

// KillAll kills the process group of every open Client at once and removes their socket directories, without
// waiting for anything: the last resort of a host that must exit now (a second Ctrl-C).
func KillAll() {
	for _, c := range live.all() {
		if c.cmd.Process != nil {
			killProcessGroup(c.cmd.Process.Pid)
		}
		os.RemoveAll(c.sockDir)
	}
}
