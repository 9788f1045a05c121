package sweep

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSlurmScript(t *testing.T) {
	f := newFixture(t)
	p, err := f.plan(t, "plan.toml", goodPlan+`max_running = 2
account = "lab"
setup = ["module load cuda/12.1", "export HF_HUB_OFFLINE=1"]
extra = ["--constraint=a100", "--mail-type=FAIL"]
`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.SlurmScript(ScriptOptions{Binary: "/opt/bin/scalefit"})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`#!/bin/bash
# scalefit sweep %[1]s/plan.toml, as a Slurm job array: 6 tasks in 6 array tasks.
# Submit with sbatch. Each array task runs the sweep tasks of its shard that are not done yet, so
# submitting this script again runs only what is left. Watch it with: scalefit sweep PLAN --status
#SBATCH --job-name=scalefit-sweep
#SBATCH --array=0-5%%2
#SBATCH --output=%[1]s/sweep-out/slurm-logs/%%A_%%a.log
#SBATCH --partition=gpu
#SBATCH --time=01:00:00
#SBATCH --mem=32G
#SBATCH --gres=gpu:1
#SBATCH --account=lab
#SBATCH --cpus-per-task=8
#SBATCH --constraint=a100
#SBATCH --mail-type=FAIL

set -euo pipefail
module load cuda/12.1
export HF_HUB_OFFLINE=1
exec /opt/bin/scalefit sweep %[1]s/plan.toml
`, f.dir)
	if got != want {
		t.Errorf("script:\n%s\nwant:\n%s", got, want)
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command(bash, "-n", "-c", got).CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v: %s", err, out)
		}
	}
}

// TestSlurmScriptLarge checks a plan with more tasks than a job array may have, and paths that need quoting.
func TestSlurmScriptLarge(t *testing.T) {
	f := newFixture(t)
	p := &Plan{Path: "/data/my plans/it's.toml", Out: "/data/out", Tasks: make([]Task, 2500)}
	s, err := p.SlurmScript(ScriptOptions{Binary: "/opt/scalefit"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s, "#SBATCH --array=0-999\n") || !strings.Contains(s, `exec /opt/scalefit sweep '/data/my plans/it'\''s.toml'`) {
		t.Errorf("script:\n%s", s)
	}
	p.Slurm.ArrayTasks = 100
	if s, _ := p.SlurmScript(ScriptOptions{Binary: "/opt/scalefit"}); !strings.Contains(s, "#SBATCH --array=0-99\n") {
		t.Errorf("array_tasks = 100:\n%s", s)
	}
	p.Out = filepath.Join(f.dir, "out with space")
	if _, err := p.SlurmScript(ScriptOptions{Binary: "/opt/scalefit"}); err == nil || !strings.Contains(err.Error(), "blanks") {
		t.Errorf("an output path with a blank: error %v", err)
	}
}

// TestK8sJob parses the manifest with a YAML parser (Debian's python3-yaml) and checks the Indexed Job in it.
func TestK8sJob(t *testing.T) {
	f := newFixture(t)
	p, err := f.plan(t, "plan.toml", goodPlan+`[k8s]
image = "ghcr.io/lab/scalefit:0.1"
namespace = "research"
parallelism = 4
cpus = 8
mem = "32Gi"
gpus = 1
claim = "models"
mount = "/data"
`)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := p.K8sJob(ScriptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import yaml").CombinedOutput(); err != nil {
		requireReference(t, "python3-yaml", fmt.Sprintf("%v: %s", err, out))
	}
	path := filepath.Join(t.TempDir(), "job.yaml")
	os.WriteFile(path, []byte(manifest), 0o644)
	out, err := exec.Command(py, "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path).CombinedOutput()
	if err != nil {
		t.Fatalf("the manifest is not YAML: %v: %s\n%s", err, out, manifest)
	}
	var job struct {
		APIVersion, Kind string
		Metadata         struct{ Name, Namespace string }
		Spec             struct {
			CompletionMode       string
			Completions          int
			Parallelism          int
			BackoffLimitPerIndex int
			Template             struct {
				Spec struct {
					RestartPolicy string
					Containers    []struct {
						Image        string
						Command      []string
						Env          []struct{ Name, Value string }
						Resources    struct{ Requests, Limits map[string]string }
						VolumeMounts []struct {
							Name, MountPath string
						}
					}
					Volumes []struct {
						Name                  string
						PersistentVolumeClaim struct{ ClaimName string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(out, &job); err != nil {
		t.Fatal(err)
	}
	c := job.Spec.Template.Spec.Containers
	switch {
	case job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Metadata.Name != "scalefit-sweep" || job.Metadata.Namespace != "research":
		t.Errorf("header: %+v", job)
	case job.Spec.CompletionMode != "Indexed" || job.Spec.Completions != 6 || job.Spec.Parallelism != 4 || job.Spec.BackoffLimitPerIndex != 1:
		t.Errorf("spec: %+v", job.Spec)
	case job.Spec.Template.Spec.RestartPolicy != "Never" || len(c) != 1:
		t.Errorf("pod: %+v", job.Spec.Template.Spec)
	case c[0].Image != "ghcr.io/lab/scalefit:0.1" || strings.Join(c[0].Command, " ") != "scalefit sweep "+p.Path:
		t.Errorf("container: %+v", c[0])
	case len(c[0].Env) != 1 || c[0].Env[0].Name != EnvShards || c[0].Env[0].Value != "6":
		t.Errorf("env: %+v", c[0].Env)
	case c[0].Resources.Limits["cpu"] != "8" || c[0].Resources.Requests["memory"] != "32Gi" || c[0].Resources.Limits["nvidia.com/gpu"] != "1":
		t.Errorf("resources: %+v", c[0].Resources)
	case len(c[0].VolumeMounts) != 1 || c[0].VolumeMounts[0].MountPath != "/data" || job.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "models":
		t.Errorf("volumes: %+v %+v", c[0].VolumeMounts, job.Spec.Template.Spec.Volumes)
	}

	p.K8s.Image = ""
	if _, err := p.K8sJob(ScriptOptions{}); err == nil || !strings.Contains(err.Error(), "k8s.image: missing") {
		t.Errorf("no image: error %v", err)
	}
}

// requireReference skips a test whose external reference is missing, unless scripts/test asked for every reference.
func requireReference(t *testing.T, what, why string) {
	t.Helper()
	if os.Getenv("SCALEFIT_REQUIRE_REFERENCES") != "" {
		t.Fatalf("reference %s is missing (scripts/test should have installed it): %s", what, why)
	}
	t.Skipf("reference %s is missing; run scripts/test to install it (%s)", what, why)
}
