package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
)

// readProfiles reads run files and arranges each as a layers.Profile, in the order given.
func readProfiles(paths []string) ([]*layers.Profile, error) {
	out := make([]*layers.Profile, 0, len(paths))
	for _, path := range paths {
		run, err := schema.Read(path)
		if err != nil {
			return nil, err
		}
		p, err := layers.NewProfile(run)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// writeJSONFile writes v as indented JSON to path atomically; "-" writes to w.
func writeJSONFile(path string, w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	data = append(data, '\n')
	if path == "-" {
		_, err := w.Write(data)
		return err
	}
	return schema.WriteAtomic(path, func(f io.Writer) error { _, err := f.Write(data); return err })
}

// splitList flattens repeated and comma-separated flag values ("--predict a,b --predict c"), dropping empty items.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
