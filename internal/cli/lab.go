package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newLabCmd is a placeholder until its issue lands.
func newLabCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "lab",
		Short: "Run a simulated imaging network on loopback",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("lab is not implemented yet")
		},
	}
}
