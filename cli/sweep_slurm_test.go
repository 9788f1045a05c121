//go:build unix

package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalefit/scalefit/sweep"
)

// TestSweepSlurm runs a sweep as a real Slurm job array: it starts munged, slurmctld and slurmd for one node on
// localhost, on free ports and with every file in a temporary directory, submits the script of `scalefit sweep
// --slurm` with sbatch, waits for the array, and checks every task's run file and log. It stops only the daemons it
// started. scripts/test installs Debian's slurm-wlm and munge where they are missing (as root) and makes their
// absence a failure; elsewhere the test is skipped without them.
func TestSweepSlurm(t *testing.T) {
	for _, bin := range []string{"munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol"} {
		if _, err := exec.LookPath(bin); err != nil {
			requireReference(t, "Slurm and munge (apt-get install slurm-wlm munge): no "+bin)
		}
	}
	if os.Geteuid() != 0 {
		requireReference(t, "root, to run slurmd")
	}
	c := startSlurm(t)

	f := newSweepFixture(t, 2, "[slurm]\ncpus = 1\nmax_running = 2\njob_name = \"itest\"\n") // 4 tasks
	script := mustScalefit(t, "sweep", f.plan, "--slurm")
	if !strings.Contains(script, "#SBATCH --array=0-3%2\n") {
		t.Fatalf("script:\n%s", script)
	}
	scriptPath := filepath.Join(f.dir, "sweep.sbatch")
	os.WriteFile(scriptPath, []byte(script), 0o755)
	out, err := c.cmd(30*time.Second, "sbatch", "--parsable", "-D", f.dir, scriptPath)
	if err != nil {
		t.Fatalf("sbatch: %v: %s", err, out)
	}
	jobID := strings.TrimSpace(strings.Split(out, ";")[0])
	t.Logf("submitted job %s", jobID)

	deadline := time.Now().Add(3 * time.Minute)
	for {
		q, err := c.cmd(10*time.Second, "squeue", "-h", "-j", jobID)
		if err == nil && strings.TrimSpace(q) == "" {
			break
		}
		if time.Now().After(deadline) {
			c.dumpLogs(t)
			t.Fatalf("job %s has not finished after 3 minutes: %s %v", jobID, q, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	for _, task := range f.tasks(t) {
		if st := sweep.Check(task); st.State != sweep.Done {
			t.Errorf("%s: %v %s", task.Name(), st.State, st.Detail)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(f.dir, "out", "slurm-logs", jobID+"_*.log"))
	if len(logs) != 4 {
		t.Errorf("%d array task logs, want 4: %v", len(logs), logs)
	}
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if !regexp.MustCompile(`1 tasks of shard \d/4: ran 1, 0 were done already`).Match(b) {
			t.Errorf("%s:\n%s", l, b)
		}
	}
	if t.Failed() {
		c.dumpLogs(t)
	}
}

// slurmCluster is a one-node Slurm started by a test.
type slurmCluster struct {
	dir  string
	proc map[string]*exec.Cmd
}

// env is the environment of the daemons and clients: the test's, which a job inherits from sbatch, with the
// cluster's configuration, and the test binary made the scalefit command.
func (c *slurmCluster) env() []string {
	return append(os.Environ(), "SLURM_CONF="+filepath.Join(c.dir, "slurm.conf"), "SCALEFIT_TEST_MAIN=1")
}

// cmd runs a Slurm client against the cluster and returns its combined output.
func (c *slurmCluster) cmd(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = c.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *slurmCluster) dumpLogs(t *testing.T) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(c.dir, "log", "*"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Logf("%s:\n%s", l, b)
	}
}

// startSlurm starts munged, slurmctld and slurmd, and waits until the node is idle. Cleanup stops them again.
func startSlurm(t *testing.T) *slurmCluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "scalefit-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // munged wants every directory above its socket to be searchable by all
	c := &slurmCluster{dir: dir, proc: map[string]*exec.Cmd{}}
	t.Cleanup(func() { c.stop(t); os.RemoveAll(dir) })
	for _, d := range []string{"state", "spool", "log"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	if out, err := exec.Command("mungekey", "-c", "-k", p("munge.key")).CombinedOutput(); err != nil {
		t.Fatalf("mungekey: %v: %s", err, out)
	}
	c.start(t, "munged", "-F", "-S", p("munge.sock"), "--key-file="+p("munge.key"), "--pid-file="+p("munged.pid"),
		"--seed-file="+p("munged.seed"), "--log-file="+p("log/munged.log"))
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := os.Stat(p("munge.sock")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			c.dumpLogs(t)
			t.Fatal("munged did not create its socket within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	nodeOut, err := exec.Command("slurmd", "-C").Output()
	if err != nil {
		t.Fatalf("slurmd -C: %v", err)
	}
	node := regexp.MustCompile(`^NodeName=\S+`).ReplaceAllString(strings.SplitN(string(nodeOut), "\n", 2)[0], "NodeName=localhost")
	ctldPort, slurmdPort := freePort(t), freePort(t)
	conf := fmt.Sprintf(`ClusterName=itest
SlurmctldHost=localhost
SlurmctldPort=%d
SlurmdPort=%d
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=%s
StateSaveLocation=%s
SlurmdSpoolDir=%s
SlurmctldPidFile=%s
SlurmdPidFile=%s
SlurmctldLogFile=%s
SlurmdLogFile=%s
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
%s NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
`, ctldPort, slurmdPort, p("munge.sock"), p("state"), p("spool"), p("slurmctld.pid"), p("slurmd.pid"),
		p("log/slurmctld.log"), p("log/slurmd.log"), node)
	os.WriteFile(p("slurm.conf"), []byte(conf), 0o644)
	c.start(t, "slurmctld", "-D")
	c.start(t, "slurmd", "-D", "-N", "localhost")
	for deadline := time.Now().Add(60 * time.Second); ; {
		out, _ := c.cmd(10*time.Second, "sinfo", "-h", "-N", "-o", "%T")
		if strings.TrimSpace(out) == "idle" {
			break
		}
		if time.Now().After(deadline) {
			c.dumpLogs(t)
			t.Fatalf("the node is not idle after 60 s: %q", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c
}

// start starts a daemon in the foreground of its own process, logging to the cluster's log directory.
func (c *slurmCluster) start(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = c.env()
	logf, err := os.Create(filepath.Join(c.dir, "log", name+".out"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	c.proc[name] = cmd
}

// stop shuts slurmctld and slurmd down with scontrol, then stops munged, killing by process id whatever has not
// exited within 10 s. It touches no process it did not start.
func (c *slurmCluster) stop(t *testing.T) {
	wait := func(name string, timeout time.Duration) {
		cmd, ok := c.proc[name]
		if !ok {
			return
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(timeout):
			t.Logf("%s did not exit within %s; killing it", name, timeout)
			cmd.Process.Kill()
			<-done
		}
	}
	if c.proc["slurmctld"] != nil {
		if out, err := c.cmd(10*time.Second, "scontrol", "shutdown"); err != nil {
			t.Logf("scontrol shutdown: %v: %s", err, out)
		}
	}
	wait("slurmctld", 10*time.Second)
	wait("slurmd", 10*time.Second)
	if cmd := c.proc["munged"]; cmd != nil {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	wait("munged", 10*time.Second)
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
