package cli

import (
	"github.com/spf13/cobra"
)

const rootLong = `pacsguard audits medical imaging networks and archives: it finds DICOM nodes
and their web faces and shows which doors are open (scan), sweeps archives for
malicious, tampered or encrypted images (files), matches what it finds against
an offline advisory database for imaging software (vulndb), turns HICP, CPG and
NIST CSF 2.0 good practice into a sized, evidence-backed roadmap (assess), and
compares and verifies device security disclosures before and after purchase
(mds2).

Scans are safe by default: one connection at a time per host, gentle rates,
every association released. Anything that queries, moves or writes patient data
needs --intrusive. Reports never print patient data unless asked to.

` + exitCodeHelp

func newRootCmd(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:           "pacsguard",
		Short:         "Security audit for medical imaging (DICOM) networks and archives",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		// An unknown sub-command lands here; report it as a usage error.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q", args[0])
			}
			return cmd.Help()
		},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%v", err)
	})
	// One line per command; each lives in its own file.
	root.AddCommand(
		newVersionCmd(env),
		newDumpCmd(env),
		newScanCmd(env),
		newInventoryCmd(env),
		newDemoCmd(env),
		newLabCmd(env),
		newFilesCmd(env),
		newVulndbCmd(env),
		newAssessCmd(env),
		newMds2Cmd(env),
	)
	return root
}

// exactArgs and minArgs classify argument-count mistakes as usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%s needs at least %d argument(s)", cmd.CommandPath(), n)
		}
		return nil
	}
}
