package cli

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/lab"
)

const labLong = `Lab runs a simulated imaging network on loopback, built from pacsguard's own
DICOM server, until interrupted (Ctrl-C): archives open to anyone or hardened
with TLS and AE checks, modalities with old toolkit identities, a worklist
server and web viewers imitating Orthanc. Without --config it runs the demo
network. The description is YAML or JSON (schema pacsguard.lab/v1, see
docs/scan.md). Every patient in it is synthetic; it only listens on loopback.

It prints one line per node: name, role, address:port and AE title.`

func newLabCmd(env *Env) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "lab [--config FILE]",
		Short: "Run a simulated imaging network on loopback",
		Long:  labLong,
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := lab.Default()
			if config != "" {
				fh, err := os.Open(config)
				if err != nil {
					return usageErrorf("--config: %v", err)
				}
				cfg, err = lab.Load(fh)
				fh.Close()
				if err != nil {
					return usageErrorf("--config %s: %v", config, err)
				}
			}
			ctx := cmd.Context()
			l, err := lab.Start(ctx, cfg, lab.Options{})
			if err != nil {
				return err
			}
			printLab(env, l)
			fmt.Fprintln(env.Stderr, "lab running; press Ctrl-C to stop")
			<-ctx.Done()
			return l.Stop()
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "lab description FILE (YAML or JSON); default: the demo network")
	return cmd
}

func printLab(env *Env, l *lab.Lab) {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tADDRESS\tAE TITLE")
	for _, n := range l.Nodes() {
		ae := n.AE
		if ae == "" {
			ae = "-"
		}
		addr := n.Addr
		if n.Kind == "web" {
			addr = "http://" + addr
		} else if n.TLS {
			addr += " (TLS)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Name, n.Role, addr, ae)
	}
	tw.Flush()
}
