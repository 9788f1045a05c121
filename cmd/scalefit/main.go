// Command scalefit measures how much every attention and MLP sublayer of a transformer scales its input and fits
// scaling laws across models. See README.md.
package main

import (
	"os"

	"github.com/scalefit/scalefit/cli"
)

func main() { os.Exit(cli.Main(os.Args)) }
