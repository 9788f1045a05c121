package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/datasets"
)

func init() {
	register(&ucli.Command{
		Name:      "datasets",
		Usage:     "list the embedded corpora, the reference results and the model registry",
		ArgsUsage: " ",
		Description: `Lists what scalefit carries inside the binary: the evaluation corpora that run --corpus reads (with
their genres, size and provenance), the reference result sets that fit and report --reference take (the seed note's
Pythia numbers), and the registered models whose exact sizes --predict accepts by name. --json prints the same list
for machines.`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "print JSON instead of a table"},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("datasets takes no arguments (got %q)", c.Args().First())
			}
			if !c.Bool("json") {
				return datasets.WriteList(c.App.Writer)
			}
			type entry struct {
				Kind        string `json:"kind"`
				Name        string `json:"name"`
				Description string `json:"description"`
			}
			out := []entry{}
			for _, e := range datasets.List() {
				out = append(out, entry{e.Kind, e.Name, e.Description})
			}
			return writeJSONFile("-", c.App.Writer, out)
		},
	})
}
