package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/assess"
	"github.com/pacsguard/pacsguard/internal/store"
)

const assessLong = `Self-assessment against HHS 405(d) HICP, the HHS healthcare cybersecurity
performance goals (CPGs) and NIST CSF 2.0, sized to your organisation and
backed by what pacsguard's scans and file sweeps found, ending in a roadmap.

It first asks about the organisation (size by HICP's criteria, CSF tier now
and targeted, imaging footprint), then only the questions that apply to that
size, practice by practice. Answer interactively in a terminal, or give an
answers file (YAML or JSON, see docs/assess.md) for automation.

Evidence: the newest scan and file sweep in the database are used
automatically and cited. Evidence can lower a self-reported grade (for example
DICOM without TLS caps data-in-transit protection) and the report says why.

  pacsguard assess                              # interactive, terminal report
  pacsguard assess --answers answers.yaml --format html --output report.html
  pacsguard assess --save main                  # keep it to resume or compare later
  pacsguard assess --resume main --compare-previous --save main

Exit codes: 0 report written; 2 bad flag or answers file; 3 store or I/O failure.`

type assessFlags struct {
	answers   string
	format    string
	output    string
	db        string
	noDB      bool
	save      string
	resume    string
	compare   bool
	crosswalk bool
	list      bool
}

func newAssessCmd(env *Env) *cobra.Command {
	var f assessFlags
	cmd := &cobra.Command{
		Use:   "assess",
		Short: "HICP / CPG / CSF 2.0 self-assessment with a roadmap",
		Long:  assessLong,
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAssess(cmd.Context(), env, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.answers, "answers", "", "answers file (YAML or JSON, schema pacsguard.assess.answers/v1)")
	fl.StringVar(&f.format, "format", "terminal", "report format: terminal, markdown, json or html")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of stdout")
	fl.StringVar(&f.db, "db", "", "database for evidence and saved assessments (default $PACSGUARD_DB or ~/.local/share/pacsguard/pacsguard.db)")
	fl.BoolVar(&f.noDB, "no-db", false, "use no database: no evidence, nothing saved")
	fl.StringVar(&f.save, "save", "", "save the answers and result under this name")
	fl.StringVar(&f.resume, "resume", "", "start from the newest saved answers of this name (asks only what is unanswered)")
	fl.BoolVar(&f.compare, "compare-previous", false, "show progress since the previous saved assessment of the same name")
	fl.BoolVar(&f.crosswalk, "crosswalk", false, "print the HICP → CSF 2.0 crosswalk (JSON) and exit")
	fl.BoolVar(&f.list, "list", false, "list saved assessments and exit")
	return cmd
}

func runAssess(ctx context.Context, env *Env, f assessFlags) error {
	format, err := assess.ParseFormat(f.format)
	if err != nil {
		return usageErrorf("%v", err)
	}
	content, err := assess.Load()
	if err != nil {
		return err
	}
	if f.crosswalk {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(content.Crosswalk)
	}
	name := f.save
	if name == "" {
		name = f.resume
	}
	switch {
	case f.list:
	case f.noDB && (f.save != "" || f.resume != "" || f.compare):
		return usageErrorf("--save, --resume and --compare-previous need the database; drop --no-db")
	case f.compare && name == "":
		return usageErrorf("--compare-previous needs --save NAME or --resume NAME to know which assessment to compare with")
	case f.answers == "" && f.resume == "" && !env.StdinIsTerminal:
		return usageErrorf("no answers: give --answers FILE, --resume NAME, or run in a terminal to answer interactively")
	}
	if f.list {
		if f.noDB {
			return usageErrorf("--list needs the database; drop --no-db")
		}
		st, err := openStore(ctx, env, f.db, false)
		if err != nil {
			return err
		}
		defer st.Close()
		return listAssessments(ctx, env, st)
	}
	st, err := openStore(ctx, env, f.db, f.noDB)
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
	}

	var base *assess.Answers
	if f.resume != "" {
		saved, ok, err := st.LatestAssessment(ctx, f.resume, false)
		if err != nil {
			return err
		}
		if !ok {
			return usageErrorf("no saved assessment named %q (see --save)", f.resume)
		}
		var a assess.Answers
		if err := json.Unmarshal(saved.Answers, &a); err != nil {
			return fmt.Errorf("saved assessment %q (id %d) is unreadable: %w", f.resume, saved.ID, err)
		}
		base = &a
	}
	if f.answers != "" {
		a, err := readAnswersFile(f.answers)
		if err != nil {
			return err
		}
		if err := content.CheckAnswers(a); err != nil {
			return usageErrorf("%s: %v", f.answers, err)
		}
		base = overlay(base, a)
	}

	answers := base
	if f.answers == "" && env.StdinIsTerminal {
		var progress func(*assess.Answers) error
		if f.save != "" {
			progress = func(a *assess.Answers) error {
				// Ctrl-C cancels ctx; what was answered must still be saved.
				return saveAssessment(context.WithoutCancel(ctx), st, f.save, env, a, nil)
			}
		}
		answers, err = assess.Interview(ctx, content, env.Stdin, env.Stderr, base, progress)
		switch {
		case errors.Is(err, assess.ErrQuit):
			if f.save != "" {
				fmt.Fprintf(env.Stderr, "Progress saved as %q; continue with: pacsguard assess --resume %s --save %s\n", f.save, f.save, f.save)
				return nil
			}
			fmt.Fprintln(env.Stderr, "Stopped early: unanswered questions count as not started.")
		case err != nil:
			return err
		}
	}

	snap, err := assess.Gather(ctx, evidenceSource(st))
	if err != nil {
		return err
	}
	now := env.Now()
	result := assess.Score(content, answers, content.Evidence.Evaluate(snap, now), now)
	result.Name = name
	if f.compare {
		prev, ok, err := st.LatestAssessment(ctx, name, true)
		if err != nil {
			return err
		}
		if ok {
			var pr assess.Result
			if err := json.Unmarshal(prev.Result, &pr); err != nil {
				return fmt.Errorf("saved assessment %q (id %d) has an unreadable result: %w", name, prev.ID, err)
			}
			result.Compare(&pr)
		} else {
			fmt.Fprintf(env.Stderr, "No earlier complete assessment named %q to compare with.\n", name)
		}
	}
	if f.save != "" {
		if err := saveAssessment(ctx, st, f.save, env, answers, result); err != nil {
			return err
		}
	}
	return writeReport(env, f.output, func(w io.Writer) error { return assess.Write(w, format, content, result) })
}

// listAssessments prints the saved assessments, newest first.
func listAssessments(ctx context.Context, env *Env, st *store.Store) error {
	list, err := st.Assessments(ctx, "", 1000)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "No saved assessments (use --save NAME).")
		return nil
	}
	fmt.Fprintf(env.Stdout, "%-20s %6s  %-20s  %-11s  %-6s  %s\n", "NAME", "ID", "SAVED (UTC)", "STATE", "SIZE", "OVERALL")
	for _, a := range list {
		state, overall := "complete", "n/a"
		if !a.Complete {
			state = "in progress"
		}
		if a.Overall != nil {
			overall = fmt.Sprintf("%.1f", *a.Overall)
		}
		fmt.Fprintf(env.Stdout, "%-20s %6d  %-20s  %-11s  %-6s  %s\n", oneLine(a.Name), a.ID, a.Created.UTC().Format("2006-01-02 15:04:05"), state, a.Size, overall)
	}
	return nil
}

// evidenceSource keeps a nil *store.Store from becoming a non-nil interface.
func evidenceSource(st *store.Store) assess.EvidenceSource {
	if st == nil {
		return nil
	}
	return st
}

func readAnswersFile(path string) (*assess.Answers, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, usageErrorf("cannot read answers file: %v", err)
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && fi.IsDir() {
		return nil, usageErrorf("answers file %s is a directory", path)
	}
	a, err := assess.ParseAnswers(fh)
	if errors.Is(err, assess.ErrAnswers) {
		return nil, usageErrorf("%s: %v (see docs/assess.md for the format)", path, err)
	}
	return a, err
}

// overlay puts the answers file over a resumed session: the file wins.
func overlay(base, file *assess.Answers) *assess.Answers {
	if base == nil {
		return file
	}
	out := *base
	out.Answers = map[string]assess.Answer{}
	for k, v := range base.Answers {
		out.Answers[k] = v
	}
	for k, v := range file.Answers {
		out.Answers[k] = v
	}
	if file.Organisation.Size != "" || file.Organisation.Providers != nil || file.Organisation.Name != "" {
		out.Organisation = file.Organisation
	}
	return &out
}

// saveAssessment stores answers, and the result when the assessment is complete.
func saveAssessment(ctx context.Context, st *store.Store, name string, env *Env, a *assess.Answers, r *assess.Result) error {
	ab, err := json.Marshal(a)
	if err != nil {
		return err
	}
	sa := store.SavedAssessment{Name: name, Created: env.Now(), Answers: ab}
	if r != nil {
		rb, err := json.Marshal(r)
		if err != nil {
			return err
		}
		sa.Complete, sa.Result, sa.Size, sa.Overall = true, rb, string(r.Size.Size), r.Overall
	}
	_, err = st.SaveAssessment(ctx, sa)
	return err
}
