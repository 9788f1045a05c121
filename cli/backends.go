package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/backends"
)

func init() {
	register(&ucli.Command{
		Name:  "backends",
		Usage: "list the backends scalefit can run on, with their versions and devices",
		Description: `Lists the builtin cpu backend and every plugin found as scalefit-backend-NAME next to the scalefit
binary or on PATH (the first found wins). Each is started once to ask for its version and devices.`,
		Action: func(c *ucli.Context) error {
			tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tDEVICES\tPATH")
			for _, f := range backends.Discover() {
				ctx, cancel := context.WithTimeout(c.Context, 20*time.Second)
				info, err := backends.Describe(ctx, f)
				cancel()
				if err != nil {
					fmt.Fprintf(tw, "%s\t-\terror: %v\t%s\n", f.Name, err, f.Path)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", info.Name, info.Version, strings.Join(info.Devices, "; "), f.Path)
			}
			return tw.Flush()
		},
	})
}
