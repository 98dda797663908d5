package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newScanCmd is a placeholder until its issue lands.
func newScanCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "scan",
		Short: "Find, fingerprint and audit DICOM nodes and their web faces",
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("scan is not implemented yet")
		},
	}
}
