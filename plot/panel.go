package plot

import (
	"fmt"
	"strings"
)

// Panel names one panel of the figure.
type Panel int

const (
	PanelAttn     Panel = iota // (a) attention gain per layer
	PanelMLP                   // (b) MLP gain per layer
	PanelCombined              // (c) combined gain (attn × mlp) per layer
	PanelScaling               // (d) model-level metric against model size, log–log
	PanelSteps                 // a model-level metric against training step, one line per model, log–log (StepPanel)
)

// AllPanels lists the panels of the full figure in drawing order. PanelSteps is not among them: a figure of training
// dynamics is drawn on its own.
var AllPanels = []Panel{PanelAttn, PanelMLP, PanelCombined, PanelScaling}

var panelNames = [...]string{"attn", "mlp", "combined", "scaling", "steps"}

// String returns the panel's name: attn, mlp, combined, scaling or steps.
func (p Panel) String() string {
	if p < 0 || int(p) >= len(panelNames) {
		return fmt.Sprintf("Panel(%d)", int(p))
	}
	return panelNames[p]
}

// ParsePanel returns the panel named s (attn, mlp, combined, scaling or steps; case-insensitive).
func ParsePanel(s string) (Panel, error) {
	for i, n := range panelNames {
		if strings.EqualFold(s, n) {
			return Panel(i), nil
		}
	}
	return 0, fmt.Errorf("unknown panel %q (want %s)", s, strings.Join(panelNames[:], ", "))
}

// component is the gain component a layer panel shows.
func (p Panel) component() string {
	switch p {
	case PanelAttn:
		return "attn"
	case PanelMLP:
		return "mlp"
	case PanelCombined:
		return "combined"
	}
	return ""
}

// title is the panel's heading without its letter.
func (p Panel) title() string {
	switch p {
	case PanelAttn:
		return "attention gain"
	case PanelMLP:
		return "MLP gain"
	case PanelCombined:
		return "combined gain (attention × MLP)"
	case PanelSteps:
		return "training dynamics"
	}
	return "scaling law"
}
