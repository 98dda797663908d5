package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newDumpCmd is a placeholder until its issue lands.
func newDumpCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "dump",
		Short: "Dump DICOM files (tags, VRs, values), with patient data redacted",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("dump is not implemented yet")
		},
	}
}
