package cpu

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// cpuModelName returns the processor's model name from /proc/cpuinfo ("model name" on x86, "Model" or "Hardware"
// on some ARM kernels), or the architecture name when there is none.
func cpuModelName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "model name", "Model", "Hardware":
			if v := strings.TrimSpace(val); v != "" {
				return v
			}
		}
	}
	return runtime.GOARCH
}
