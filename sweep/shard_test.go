package sweep

import (
	"strings"
	"testing"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		err  string
	}{
		{in: "0/1", want: Shard{0, 1}},
		{in: "3/4", want: Shard{3, 4}},
		{in: " 1 / 2 ", want: Shard{1, 2}},
		{in: "4/4", err: "want 0 ≤ i < n"},
		{in: "-1/4", err: "want 0 ≤ i < n"},
		{in: "0/0", err: "want 0 ≤ i < n"},
		{in: "1", err: "want i/n"},
		{in: "a/b", err: "whole numbers"},
	} {
		got, err := ParseShard(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseShard(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestShardFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Shard
		src  string
		err  string
	}{
		{name: "none", env: nil, want: Shard{}},
		{name: "slurm", env: map[string]string{"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "10", "SLURM_ARRAY_TASK_MIN": "0"},
			want: Shard{7, 10}, src: "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT"},
		{name: "slurm from 1", env: map[string]string{"SLURM_ARRAY_TASK_ID": "10", "SLURM_ARRAY_TASK_COUNT": "10", "SLURM_ARRAY_TASK_MIN": "1"},
			want: Shard{9, 10}, src: "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT"},
		{name: "slurm wins over k8s", env: map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2", "JOB_COMPLETION_INDEX": "0", EnvShards: "3"},
			want: Shard{1, 2}, src: "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT"},
		{name: "k8s", env: map[string]string{"JOB_COMPLETION_INDEX": "2", EnvShards: "3"}, want: Shard{2, 3}, src: "JOB_COMPLETION_INDEX/SCALEFIT_SHARDS"},
		{name: "k8s without count", env: map[string]string{"JOB_COMPLETION_INDEX": "2"}, err: "SCALEFIT_SHARDS is not set"},
		{name: "slurm without count", env: map[string]string{"SLURM_ARRAY_TASK_ID": "2"}, err: "SLURM_ARRAY_TASK_COUNT is not set"},
		{name: "index past count", env: map[string]string{"JOB_COMPLETION_INDEX": "3", EnvShards: "3"}, err: "want 0 ≤ index < count"},
		{name: "garbage", env: map[string]string{"SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "3"}, err: "want 0 ≤ index < count"},
	} {
		got, src, err := ShardFromEnv(func(k string) string { return tc.env[k] })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || src != tc.src {
			t.Errorf("%s: got %v from %q (%v), want %v from %q", tc.name, got, src, err, tc.want, tc.src)
		}
	}
}

// TestShardsPartition checks that the shards of a plan hold every task exactly once.
func TestShardsPartition(t *testing.T) {
	tasks := make([]Task, 23)
	for i := range tasks {
		tasks[i].Index = i
	}
	for n := 1; n <= 30; n++ {
		seen := make([]int, len(tasks))
		for i := range n {
			for _, task := range (Shard{I: i, N: n}).Select(tasks) {
				seen[task.Index]++
				if task.Index%n != i {
					t.Errorf("shard %d/%d holds task %d", i, n, task.Index)
				}
			}
		}
		for i, c := range seen {
			if c != 1 {
				t.Errorf("n=%d: task %d is in %d shards", n, i, c)
			}
		}
	}
	if got := (Shard{}).Select(tasks); len(got) != len(tasks) {
		t.Errorf("the zero shard holds %d tasks, want all %d", len(got), len(tasks))
	}
}
