package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newFilesCmd is a placeholder until its issue lands.
func newFilesCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "files",
		Short: "Sweep archives for malicious, tampered or encrypted DICOM files",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("files is not implemented yet")
		},
	}
}
