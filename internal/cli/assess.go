package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newAssessCmd is a placeholder until its issue lands.
func newAssessCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "assess",
		Short: "HICP / CPG / CSF 2.0 self-assessment with a roadmap",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("assess is not implemented yet")
		},
	}
}
