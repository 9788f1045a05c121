package fit

import (
	"strings"
	"testing"
)

// TestSimulateCoverageSmall runs a small coverage simulation (the full one is `scalefit fit --simulate-coverage`,
// recorded in docs/statistics.md). With measurement noise only and n = 10 the t interval and the hierarchical
// bootstrap should cover near 95 %, and the result must not depend on the number of workers.
func TestSimulateCoverageSmall(t *testing.T) {
	cfg := DefaultCoverageConfig()
	cfg.Ns, cfg.Datasets, cfg.Resamples = []int{10}, 200, 200
	cfg.Scenarios = cfg.Scenarios[1:]
	cfg.Workers = 2
	rows, err := SimulateCoverage(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2+3*3 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Defined != cfg.Datasets {
			t.Errorf("%s %s: %d of %d defined", r.Method, r.Interval, r.Defined, cfg.Datasets)
		}
		if (r.Method == "t" || r.Method == Hierarchical) && (r.Coverage() < 0.88 || r.Coverage() > 0.995) {
			t.Errorf("%s %s: coverage %.3f", r.Method, r.Interval, r.Coverage())
		}
	}
	cfg.Workers = 1
	again, err := SimulateCoverage(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if rows[i] != again[i] {
			t.Errorf("row %d differs with 1 worker: %+v vs %+v", i, rows[i], again[i])
		}
	}
	if md := CoverageMarkdown(cfg, rows); !strings.Contains(md, "t interval (headline)") || !strings.Contains(md, "hierarchical bca") {
		t.Errorf("markdown:\n%s", md)
	}
}
