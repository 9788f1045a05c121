// Package fittest holds what the tests of several packages share about fits: the golden file of laws in training
// steps.
package fittest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Steps is testdata/fit/steps.json, written by testdata/fit/gen_steps.py with statsmodels: a sweep of two models'
// checkpoints (each run's revision and final MLP gain) and each model's OLS of ln y on ln step. Intervals are at
// confidence 1 − Alpha; predictions are at step Target. A law of two checkpoints has no standard error or interval
// (zero here).
type Steps struct {
	Alpha  float64 `json:"alpha"`
	Target float64 `json:"target"`
	Models []struct {
		Model  string  `json:"model"`
		Params float64 `json:"params"`
		Runs   []struct {
			Revision string  `json:"revision"`
			Y        float64 `json:"y"`
		} `json:"runs"`
		Law struct {
			N            int        `json:"n"`
			Exponent     float64    `json:"exponent"`
			Prefactor    float64    `json:"prefactor"`
			ExponentSE   float64    `json:"exponent_se"`
			ExponentCI   [2]float64 `json:"exponent_ci"`
			R2           float64    `json:"r2"`
			Prediction   float64    `json:"prediction"`
			PredictionCI [2]float64 `json:"prediction_ci"`
			PredictionPI [2]float64 `json:"prediction_pi"`
		} `json:"law"`
	} `json:"models"`
}

// ReadSteps reads testdata/fit/steps.json, failing t when it cannot.
func ReadSteps(t testing.TB) *Steps {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("fittest: cannot locate the repository")
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "testdata", "fit", "steps.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g Steps
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}
