package sweep

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// EnvShards is the environment variable that tells `scalefit sweep` inside a Kubernetes Indexed Job how many
// completions the job has; JOB_COMPLETION_INDEX gives the index. The manifest of Plan.K8sJob sets it.
const EnvShards = "SCALEFIT_SHARDS"

// K8s is the plan's [k8s] table, used by --k8s.
type K8s struct {
	Image       string // container image that holds scalefit (required for --k8s)
	Binary      string // the scalefit command inside the image; default "scalefit"
	Name        string // the Job's name; default "scalefit-sweep"
	Namespace   string
	Parallelism int // pods at once; 0: one per completion
	CPUs        int
	Mem         string // e.g. 32Gi
	GPUs        int    // nvidia.com/gpu
	Claim       string // a PersistentVolumeClaim mounted at Mount
	Mount       string
}

type k8sTable struct {
	Image       *string `toml:"image"`
	Binary      *string `toml:"binary"`
	Name        *string `toml:"name"`
	Namespace   *string `toml:"namespace"`
	Parallelism *int    `toml:"parallelism"`
	CPUs        *int    `toml:"cpus"`
	Mem         *string `toml:"mem"`
	GPUs        *int    `toml:"gpus"`
	Claim       *string `toml:"claim"`
	Mount       *string `toml:"mount"`
}

// dnsLabel is a Kubernetes object name (RFC 1123 label).
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// k8sQuantity is a Kubernetes memory quantity such as 32Gi or 4000M.
var k8sQuantity = regexp.MustCompile(`^[0-9]+(Ki|Mi|Gi|Ti|k|K|M|G|T)?$`)

func (l *loader) k8s(t *k8sTable) K8s {
	k := K8s{Binary: "scalefit", Name: "scalefit-sweep"}
	str := func(key string, v *string, dst *string, re *regexp.Regexp, want string) {
		if v == nil {
			return
		}
		if *v == "" || strings.ContainsAny(*v, "\n\r") || (re != nil && !re.MatchString(*v)) {
			l.fail("k8s."+key, "%q: want %s", *v, want)
		}
		*dst = *v
	}
	str("image", t.Image, &k.Image, nil, "a container image")
	str("binary", t.Binary, &k.Binary, nil, "the scalefit command in the image")
	str("name", t.Name, &k.Name, dnsLabel, "a lower-case name of letters, digits and '-'")
	str("namespace", t.Namespace, &k.Namespace, dnsLabel, "a lower-case name of letters, digits and '-'")
	str("mem", t.Mem, &k.Mem, k8sQuantity, "a quantity such as 32Gi")
	str("claim", t.Claim, &k.Claim, dnsLabel, "the name of a PersistentVolumeClaim")
	str("mount", t.Mount, &k.Mount, regexp.MustCompile(`^/`), "an absolute path in the container")
	l.intAtLeast("k8s.parallelism", t.Parallelism, 1, &k.Parallelism)
	l.intAtLeast("k8s.cpus", t.CPUs, 1, &k.CPUs)
	l.intAtLeast("k8s.gpus", t.GPUs, 1, &k.GPUs)
	if (k.Claim == "") != (k.Mount == "") {
		l.fail("k8s.claim", "give claim and mount together: the volume claim and where the pod mounts it")
	}
	return k
}

// K8sJob writes a Kubernetes Indexed Job that runs the plan: one completion per sweep task (at most
// DefaultArrayTasks; more tasks share completions), each running `scalefit sweep PLAN`, which takes its shard from
// JOB_COMPLETION_INDEX and SCALEFIT_SHARDS. The pod must see the plan, the models and the output directory at the
// same paths as here: mount them with [k8s] claim and mount.
func (p *Plan) K8sJob(o ScriptOptions) (string, error) {
	k := p.K8s
	if k.Image == "" {
		return "", fmt.Errorf("plan %s: k8s.image: missing: --k8s needs the container image that holds scalefit", p.Path)
	}
	n := p.Shards(0)
	par := k.Parallelism
	if par == 0 || par > n {
		par = n
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) } // a JSON string is a YAML scalar
	var b strings.Builder
	fmt.Fprintf(&b, "# scalefit sweep %s, as a Kubernetes Indexed Job: %d tasks in %d completions.\n", p.Path, len(p.Tasks), n)
	b.WriteString("# Apply with kubectl apply -f. Each pod runs the sweep tasks of its index that are not done yet.\n")
	b.WriteString("apiVersion: batch/v1\nkind: Job\nmetadata:\n")
	fmt.Fprintf(&b, "  name: %s\n", q(k.Name))
	if k.Namespace != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", q(k.Namespace))
	}
	b.WriteString("spec:\n  completionMode: Indexed\n")
	// One retry per index, so that a pod lost with its node reruns its tasks; a failed task fails only its index.
	// backoffLimitPerIndex needs Kubernetes 1.29 or newer.
	fmt.Fprintf(&b, "  completions: %d\n  parallelism: %d\n  backoffLimitPerIndex: 1\n", n, par)
	b.WriteString("  template:\n    spec:\n      restartPolicy: Never\n      containers:\n")
	b.WriteString("        - name: sweep\n")
	fmt.Fprintf(&b, "          image: %s\n", q(k.Image))
	fmt.Fprintf(&b, "          command: [%s, %s, %s]\n", q(k.Binary), q("sweep"), q(p.Path))
	fmt.Fprintf(&b, "          env:\n            - name: %s\n              value: %s\n", EnvShards, q(fmt.Sprint(n)))
	var res []string
	if k.CPUs > 0 {
		res = append(res, fmt.Sprintf("cpu: %s", q(fmt.Sprint(k.CPUs))))
	}
	if k.Mem != "" {
		res = append(res, fmt.Sprintf("memory: %s", q(k.Mem)))
	}
	if k.GPUs > 0 {
		res = append(res, fmt.Sprintf("nvidia.com/gpu: %s", q(fmt.Sprint(k.GPUs))))
	}
	if len(res) > 0 {
		b.WriteString("          resources:\n")
		for _, section := range []string{"requests", "limits"} {
			fmt.Fprintf(&b, "            %s:\n", section)
			for _, r := range res {
				fmt.Fprintf(&b, "              %s\n", r)
			}
		}
	}
	if k.Claim != "" {
		fmt.Fprintf(&b, "          volumeMounts:\n            - name: data\n              mountPath: %s\n", q(k.Mount))
		fmt.Fprintf(&b, "      volumes:\n        - name: data\n          persistentVolumeClaim:\n            claimName: %s\n", q(k.Claim))
	}
	return b.String(), nil
}
