package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/scalefit/scalefit/internal/parallel"
	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// runExts are the extensions of the run files that a directory argument contributes.
var runExts = []string{".parquet", ".arrow", ".feather"}

// skipDirs are directories that a sweep's output holds beside its run files and that a directory argument skips.
var skipDirs = map[string]bool{"slurm-logs": true}

// runPaths expands the run arguments of an analysis command into run files, in the order given:
//
//   - a directory stands for every .parquet, .arrow and .feather file under it, at any depth, in lexical order,
//     leaving out hidden files and directories (a run being written is a hidden temporary file), a sweep's
//     slurm-logs directory, and its .error and .lock files (which have other extensions);
//   - an argument that names no file but holds a glob pattern (*, ?, [) is expanded as filepath.Glob does, for
//     patterns the shell left alone ('sweep-out/*/step1000.parquet'), each match then taken as above;
//   - anything else is a run file.
//
// A file reached twice (a directory and a file in it) is listed twice, and readRunFiles refuses it as a duplicate. A
// directory without run files or a pattern that matches nothing is an error.
func runPaths(args []string) ([]string, error) {
	var out []string
	add := func(p string) { out = append(out, p) }
	var expand func(arg string, fromGlob bool) error
	expand = func(arg string, fromGlob bool) error {
		st, err := os.Stat(arg)
		switch {
		case err != nil && !fromGlob && strings.ContainsAny(arg, "*?["):
			matches, gerr := filepath.Glob(arg)
			if gerr != nil {
				return fmt.Errorf("%s: %w", arg, gerr)
			}
			if len(matches) == 0 {
				return fmt.Errorf("%s: no file matches the pattern", arg)
			}
			for _, m := range matches {
				if err := expand(m, true); err != nil {
					return err
				}
			}
			return nil
		case err == nil && st.IsDir():
			n := len(out)
			if err := walkRuns(arg, add); err != nil {
				return err
			}
			if len(out) == n && !fromGlob {
				return fmt.Errorf("%s: a directory without run files (%s) in it", arg, strings.Join(runExts, ", "))
			}
			return nil
		}
		add(arg)
		return nil
	}
	for _, a := range args {
		if err := expand(a, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runInputs is what an analysis command reads, for checkOutputs: the arguments and, where they name directories or
// patterns, the run files they stand for, so that an --out inside a sweep's directory cannot replace one of its runs.
// Arguments that do not expand are left to readRunFiles to report.
func runInputs(args []string) []string {
	files, err := runPaths(args)
	if err != nil {
		return args
	}
	return append(slices.Clip(args), files...)
}

// walkRuns calls add for every run file under dir, in lexical order, skipping what runPaths says it skips.
func walkRuns(dir string, add func(string)) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		name := d.Name()
		if path != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if skipDirs[name] && path != dir {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(name))
		for _, e := range runExts {
			if ext == e && (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) {
				add(path)
			}
		}
		return nil
	})
}

// readRunFiles expands args (runPaths), reads every run file into a layers.Profile, and refuses a (model,
// revision) given by two files, naming both. The profiles come in the order of the paths it returns.
func readRunFiles(args []string) ([]*layers.Profile, []string, error) {
	paths, err := runPaths(args)
	if err != nil {
		return nil, nil, err
	}
	profiles, err := readProfiles(paths)
	if err != nil {
		return nil, nil, err
	}
	if err := distinctRuns(profiles, paths); err != nil {
		return nil, nil, err
	}
	return profiles, paths, nil
}

// readProfiles reads run files and arranges each as a layers.Profile, in the order given, reading them in parallel
// (parallel.Each).
func readProfiles(paths []string) ([]*layers.Profile, error) {
	out := make([]*layers.Profile, len(paths))
	err := parallel.Each(len(paths), func(i int) (err error) {
		out[i], err = readProfile(paths[i])
		return err
	})
	return out, err
}

// readProfile reads one run file into a Profile.
func readProfile(path string) (*layers.Profile, error) {
	run, err := schema.Read(path)
	if err != nil {
		return nil, err
	}
	p, err := layers.NewProfile(run)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// readRawRuns expands args (runPaths) and reads every run file whole, rows and all, in parallel (parallel.Each),
// refusing a (model, revision) given by two files as readRunFiles does.
func readRawRuns(args []string) ([]*schema.Run, []string, error) {
	paths, err := runPaths(args)
	if err != nil {
		return nil, nil, err
	}
	runs := make([]*schema.Run, len(paths))
	if err := parallel.Each(len(paths), func(i int) (err error) {
		runs[i], err = schema.Read(paths[i])
		return err
	}); err != nil {
		return nil, nil, err
	}
	// A run without rows names no model, and so cannot repeat one.
	var ids []runID
	var idPaths []string
	for i, r := range runs {
		if len(r.Rows) > 0 {
			ids, idPaths = append(ids, runID{r.Rows[0].Model, r.Rows[0].Revision}), append(idPaths, paths[i])
		}
	}
	if err := distinct(ids, idPaths); err != nil {
		return nil, nil, err
	}
	return runs, paths, nil
}

// runID is what tells runs apart: the model and its revision.
type runID struct{ model, revision string }

// distinctRuns refuses two runs of one model at one revision: an analysis would count one model twice. It names both
// files.
func distinctRuns(ps []*layers.Profile, paths []string) error {
	ids := make([]runID, len(ps))
	for i, p := range ps {
		ids[i] = runID{p.Model, p.Revision}
	}
	return distinct(ids, paths)
}

// distinct refuses two equal ids, naming the paths of both.
func distinct(ids []runID, paths []string) error {
	first := make(map[runID]int, len(ids))
	for i, id := range ids {
		if j, dup := first[id]; dup {
			name := id.model
			if id.revision != "" {
				name += "@" + id.revision
			}
			// As fit.DistinctModels words it, which catches the same model among --points and --reference too.
			return fmt.Errorf("model %q appears twice (%s and %s): give each model once", name, paths[j], paths[i])
		}
		first[id] = i
	}
	return nil
}

// lastCheckpoints keeps, when ps hold some model at several revisions, only each model's last checkpoint
// (layers.Latest), for a law or a figure across sizes; note says what was left out, empty when nothing was.
func lastCheckpoints(ps []*layers.Profile, srcs []string) (kept []*layers.Profile, keptSrcs []string, note string) {
	if !layers.HasCheckpoints(ps) {
		return ps, srcs, ""
	}
	kept, keptSrcs = layers.LatestRuns(ps, srcs)
	note = fmt.Sprintf("%s measured at several checkpoints: across sizes, each model counts with its last checkpoint "+
		"(main, else the highest step), leaving out the %s before it; --x step follows them in training steps",
		textfmt.Plural(layers.Checkpointed(layers.ByModel(ps)), "model was", "models were"), textfmt.Plural(len(ps)-len(kept), "checkpoint"))
	return kept, keptSrcs, note
}
