package cli

import (
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// interspersed moves a command's flags in front of its positional arguments, so that
//
//	scalefit fit runs/*.parquet --y min_attn_gain --predict pythia-12b
//
// works as users type it. urfave/cli v2 stops parsing flags at the first positional argument, and would otherwise
// take "--y" for a run file. A flag that takes a value brings the next argument along unless it is written
// --flag=value; everything after "--" stays positional.
func interspersed(args []string) []string {
	if len(args) < 3 {
		return args
	}
	var cmd *ucli.Command
	for _, c := range commands {
		if c.HasName(args[1]) {
			cmd = c
		}
	}
	if cmd == nil {
		return args
	}
	boolFlag := map[string]bool{"help": true, "h": true}
	for _, f := range cmd.Flags {
		if _, ok := f.(*ucli.BoolFlag); ok {
			for _, n := range f.Names() {
				boolFlag[n] = true
			}
		}
	}
	var flags, positional []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") || boolFlag[name] {
			continue
		}
		if i+1 < len(rest) {
			flags = append(flags, rest[i+1])
			i++
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	// Help describes the command; positional arguments would be taken for a help topic.
	if slices.Contains(flags, "--help") || slices.Contains(flags, "-h") {
		return out
	}
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}
