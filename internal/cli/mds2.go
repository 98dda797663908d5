package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newMds2Cmd is a placeholder until its issue lands.
func newMds2Cmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "mds2",
		Short: "Read, compare and verify MDS2 device security disclosures",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("mds2 is not implemented yet")
		},
	}
}
