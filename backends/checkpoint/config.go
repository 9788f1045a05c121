package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ConfigFile is the name of the model configuration inside a checkpoint directory.
const ConfigFile = "config.json"

// maxConfigBytes bounds config.json. Real ones are a few kilobytes; anything near this is not a config.
const maxConfigBytes = 16 << 20

// ReadConfig returns the bytes of dir/config.json. What they mean is the architecture's business (package arch):
// here they are only read, after checking that dir is a directory that has one. Errors name the directory or the
// file.
func ReadConfig(dir string) ([]byte, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checkpoint: model directory %s does not exist", dir)
		}
		return nil, fmt.Errorf("checkpoint: model directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("checkpoint: %s is not a directory (want a Hugging Face model directory)", dir)
	}
	path := filepath.Join(dir, ConfigFile)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checkpoint: %s: no %s (not a Hugging Face model directory?)", dir, ConfigFile)
		}
		return nil, fmt.Errorf("checkpoint: read %s: %w", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxConfigBytes {
		return nil, fmt.Errorf("checkpoint: %s is %d bytes, too large for a config.json (limit %d)", path, st.Size(), maxConfigBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: read %s: %w", path, err)
	}
	return data, nil
}
