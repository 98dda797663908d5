package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newVulndbCmd is a placeholder until its issue lands.
func newVulndbCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "vulndb",
		Short: "Query and update the imaging advisory database",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("vulndb is not implemented yet")
		},
	}
}
