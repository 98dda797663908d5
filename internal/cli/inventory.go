package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/store"
)

// InventorySchema names the JSON document of pacsguard inventory.
const InventorySchema = "pacsguard.inventory/v1"

const inventoryLong = `Inventory lists every node that 'pacsguard scan' has recorded in the database:
when it was first and last seen, how many scans saw it, each service and its
product as the newest scan of that service found them (a later scan of one
port does not hide the others), and those scans' findings on it by severity.
Nodes the newest scan did not see are marked: they may be gone, switched off,
or outside that scan's targets. Nothing is contacted.

Exit codes: 0 listed (also when nothing is recorded yet); 2 usage error;
3 failure (database, output).`

type inventoryOptions struct {
	format, output, db string
}

func newInventoryCmd(env *Env) *cobra.Command {
	var o inventoryOptions
	cmd := &cobra.Command{
		Use:   "inventory [flags]",
		Short: "List the imaging nodes scans have found, with first and last seen",
		Long:  inventoryLong,
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInventory(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "output format: table, json or csv")
	f.StringVarP(&o.output, "output", "o", "", "write the list to this file instead of stdout")
	f.StringVar(&o.db, "db", "", "database file (default $PACSGUARD_DB or ~/.local/share/pacsguard/pacsguard.db)")
	return cmd
}

func runInventory(ctx context.Context, env *Env, o inventoryOptions) error {
	switch o.format {
	case "table", "json", "csv":
	default:
		return usageErrorf("--format: unknown format %q (use table, json or csv)", o.format)
	}
	st, err := openStore(ctx, env, o.db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	nodes, err := st.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("read the inventory from %s: %w", st.Path(), err)
	}
	w, commit, discard, err := createOutput(env, o.output)
	if err != nil {
		return err
	}
	defer discard()
	switch o.format {
	case "json":
		err = writeInventoryJSON(w, nodes)
	case "csv":
		err = writeInventoryCSV(w, nodes)
	default:
		err = writeInventoryTable(w, nodes)
	}
	if err != nil {
		return err
	}
	return commit()
}

func writeInventoryJSON(w io.Writer, nodes []store.Node) error {
	if nodes == nil {
		nodes = []store.Node{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Schema string       `json:"schema"`
		Nodes  []store.Node `json:"nodes"`
	}{InventorySchema, nodes})
}

var inventoryCSVHeader = []string{"host", "first_seen", "last_seen", "scans", "in_latest_scan", "services", "products", "critical", "high", "medium", "low", "info"}

func writeInventoryCSV(w io.Writer, nodes []store.Node) error {
	cw := csv.NewWriter(w)
	cw.Write(inventoryCSVHeader)
	for _, n := range nodes {
		row := []string{n.Host, n.FirstSeen.UTC().Format(time.RFC3339), n.LastSeen.UTC().Format(time.RFC3339),
			strconv.Itoa(n.Scans), strconv.FormatBool(n.InLatestScan), nodeServices(n, " "), nodeProducts(n, "; ")}
		for s := inventory.SeverityCritical; s >= inventory.SeverityInfo; s-- {
			row = append(row, strconv.Itoa(n.Findings[s.String()]))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func writeInventoryTable(w io.Writer, nodes []store.Node) error {
	if len(nodes) == 0 {
		_, err := fmt.Fprintln(w, "No nodes recorded yet: run 'pacsguard scan TARGET...' (with the database on) first.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tFIRST SEEN\tLAST SEEN\tSCANS\tSERVICES\tPRODUCT\tFINDINGS (NEWEST SCAN OF EACH SERVICE)")
	gone := 0
	for _, n := range nodes {
		last := n.LastSeen.UTC().Format("2006-01-02 15:04")
		if !n.InLatestScan {
			last += " *"
			gone++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", n.Host, n.FirstSeen.UTC().Format("2006-01-02 15:04"), last, n.Scans,
			nodeServices(n, " "), nameOrDash(nodeProducts(n, ", ")), nodeFindings(n))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d nodes", len(nodes))
	if gone > 0 {
		fmt.Fprintf(w, "; * %d not seen by the newest scan (gone, off, or outside its targets)", gone)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// nodeServices is "104/dicom 2762/dicom-tls 8042/http".
func nodeServices(n store.Node, sep string) string {
	parts := make([]string, 0, len(n.Services))
	for _, s := range n.Services {
		parts = append(parts, fmt.Sprintf("%d/%s", s.Port, s.Transport))
	}
	return strings.Join(parts, sep)
}

// nodeProducts lists the distinct "product version" pairs of a node's services.
func nodeProducts(n store.Node, sep string) string {
	var out []string
	seen := map[string]bool{}
	for _, s := range n.Services {
		if s.Product == "" {
			continue
		}
		p := strings.TrimSpace(s.Product + " " + s.Version)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// nodeFindings is "1 critical, 2 high" (zero counts left out) or "none".
func nodeFindings(n store.Node) string {
	var parts []string
	for s := inventory.SeverityCritical; s >= inventory.SeverityInfo; s-- {
		if c := n.Findings[s.String()]; c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, s))
		}
	}
	if parts == nil {
		return "none"
	}
	return strings.Join(parts, ", ")
}
