package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newDemoCmd is a placeholder until its issue lands.
func newDemoCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Start a simulated imaging network, scan it and show the report",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("demo is not implemented yet")
		},
	}
}
