package assess

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrQuit means the person asked to stop; what was answered so far is kept.
var ErrQuit = errors.New("assessment interrupted: answers so far were kept")

// maxLine bounds one typed line; maxRetries bounds re-asking after bad input.
const (
	maxLine    = 8192
	maxRetries = 3
)

// Interview asks the profile and then, practice by practice, the questions
// that apply to the organisation's size, on top of what base already holds
// (a resumed session): only what is unanswered is asked. progress is called
// after the profile and after each practice so a session can be resumed; it
// may be nil. At end of input or on "q" it returns the answers so far with
// ErrQuit.
func Interview(ctx context.Context, c *Content, in io.Reader, out io.Writer, base *Answers, progress func(*Answers) error) (*Answers, error) {
	a := &Answers{Schema: AnswersSchema, Answers: map[string]Answer{}}
	if base != nil {
		a.Organisation = base.Organisation
		for k, v := range base.Answers {
			a.Answers[k] = v
		}
	}
	iv := &interviewer{ctx: ctx, out: out, q: c.Questions, lines: make(chan string), done: make(chan struct{})}
	defer close(iv.done)
	go iv.read(in)
	save := func() error {
		if progress == nil {
			return nil
		}
		return progress(a)
	}
	if err := iv.profile(&a.Organisation, base != nil); err != nil {
		return a, err
	}
	if err := save(); err != nil {
		return a, err
	}
	size := DecideSize(a.Organisation).Size
	applicable := c.Applicable(size)
	todo := 0
	for _, sp := range applicable {
		if _, ok := a.Answers[sp.ID]; !ok {
			todo++
		}
	}
	fmt.Fprintf(out, "\n%d question(s) for a %s organisation", todo, size)
	if done := len(applicable) - todo; done > 0 {
		fmt.Fprintf(out, " (%d already answered)", done)
	}
	fmt.Fprintln(out, ".\nAnswer each with one of:")
	for _, g := range allGrades {
		fmt.Fprintf(out, "  %-3s %-15s %s\n", shortGrade(g), g, c.Questions.Grades[g])
	}
	fmt.Fprintln(out, "Add a note after a colon (\"p: only the CT\"). '?' explains the question, Enter skips it, 'q' stops and keeps your answers.")
	for _, p := range c.HICP.Practices {
		var asked bool
		for si := range p.SubPractices {
			sp := &p.SubPractices[si]
			if !sp.AppliesTo(size) {
				continue
			}
			if _, ok := a.Answers[sp.ID]; ok {
				continue
			}
			if !asked {
				fmt.Fprintf(out, "\n== Practice %d: %s ==\n", p.ID, p.Title)
				asked = true
			}
			ans, ok, err := iv.subPractice(sp)
			if err != nil {
				_ = save()
				return a, err
			}
			if ok {
				a.Answers[sp.ID] = ans
			}
		}
		if asked {
			if err := save(); err != nil {
				return a, err
			}
		}
	}
	return a, nil
}

func shortGrade(g Grade) string {
	return map[Grade]string{GradeNotStarted: "n", GradePartial: "p", GradeLargely: "l", GradeFully: "f", GradeNotApplicable: "na"}[g]
}

type interviewer struct {
	ctx   context.Context
	out   io.Writer
	q     *Questions
	lines chan string   // typed lines; closed at end of input
	done  chan struct{} // closed when the interview returns
	err   error         // read error, set before lines is closed
}

// read feeds typed lines to the interview. It runs in its own goroutine so
// that Ctrl-C (a cancelled ctx) ends the interview at once instead of after
// the next Enter.
func (iv *interviewer) read(in io.Reader) {
	defer close(iv.lines)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1024), maxLine)
	for sc.Scan() {
		select {
		case iv.lines <- sc.Text():
		case <-iv.done:
			return
		}
	}
	iv.err = sc.Err()
}

// line reads one answer; end of input and "q" end the session.
func (iv *interviewer) line(prompt string) (string, error) {
	if err := iv.ctx.Err(); err != nil {
		return "", err
	}
	fmt.Fprint(iv.out, prompt)
	var text string
	select {
	case <-iv.ctx.Done():
		fmt.Fprintln(iv.out)
		return "", iv.ctx.Err()
	case l, ok := <-iv.lines:
		if !ok {
			fmt.Fprintln(iv.out)
			if iv.err != nil {
				return "", fmt.Errorf("read answer: %w", iv.err)
			}
			return "", ErrQuit
		}
		text = l
	}
	s := strings.TrimSpace(text)
	if strings.EqualFold(s, "q") || strings.EqualFold(s, "quit") {
		return "", ErrQuit
	}
	return s, nil
}

// ask re-asks until parse accepts the line or the person skips (empty line).
func (iv *interviewer) ask(prompt string, parse func(string) error) error {
	for range maxRetries {
		s, err := iv.line(prompt)
		if err != nil {
			return err
		}
		if s == "" {
			return nil
		}
		if err := parse(s); err != nil {
			fmt.Fprintf(iv.out, "  %v\n", err)
			continue
		}
		return nil
	}
	fmt.Fprintln(iv.out, "  skipped")
	return nil
}

func parseCount(dst **int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		if err != nil || n < 0 || n > 10_000_000 {
			return errors.New("please type a whole number (or press Enter to skip)")
		}
		*dst = &n
		return nil
	}
}

func parseYesNo(dst *bool) func(string) error {
	return func(s string) error {
		switch strings.ToLower(s) {
		case "y", "yes":
			*dst = true
		case "n", "no":
			*dst = false
		default:
			return errors.New("please answer y or n")
		}
		return nil
	}
}

func parseTier(dst *int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 4 {
			return errors.New("please type 1, 2, 3 or 4")
		}
		*dst = n
		return nil
	}
}

// profile asks what the profile lacks. A resumed profile was confirmed
// before, so its size and yes/no footprint answers are not asked again.
func (iv *interviewer) profile(p *Profile, resumed bool) error {
	q := iv.q.Profile
	fmt.Fprintln(iv.out, "== Your organisation ==")
	steps := []struct {
		key   string
		unset bool
		parse func(string) error
	}{
		{"name", p.Name == "", func(s string) error { p.Name = clean(s); return nil }},
		{"providers", p.Providers == nil, parseCount(&p.Providers)},
		{"beds", p.Beds == nil, parseCount(&p.Beds)},
		{"it_assets", p.ITAssets == nil, parseCount(&p.ITAssets)},
		{"it_staff", p.ITStaff == "", func(s string) error {
			switch v := ITStaff(strings.ToLower(s)); v {
			case ITStaffNone, ITStaffSome, ITStaffSecurity:
				p.ITStaff = v
				return nil
			}
			return errors.New("please type none, some or security")
		}},
	}
	for _, st := range steps {
		if !st.unset {
			continue
		}
		if err := iv.ask(q[st.key]+" ", st.parse); err != nil {
			return err
		}
	}
	if p.Size == "" && !resumed {
		d := DecideSize(*p)
		fmt.Fprintf(iv.out, "By HICP's criteria you are a %s organisation (%s).\n", d.Size, strings.Join(d.Reasons, "; "))
		if err := iv.ask("Press Enter to accept, or type small, medium or large: ", func(s string) error {
			sz, err := ParseSize(s)
			if err != nil {
				return err
			}
			p.Size = sz
			return nil
		}); err != nil {
			return err
		}
	}
	more := []struct {
		key   string
		unset bool
		parse func(string) error
	}{
		{"current_tier", p.CurrentTier == 0, parseTier(&p.CurrentTier)},
		{"target_tier", p.TargetTier == 0, parseTier(&p.TargetTier)},
		{"modalities", len(p.Imaging.Modalities) == 0, func(s string) error {
			for _, m := range strings.Split(s, ",") {
				if m = strings.ToUpper(strings.TrimSpace(clean(m))); m != "" && len(m) <= 16 && len(p.Imaging.Modalities) < 32 {
					p.Imaging.Modalities = append(p.Imaging.Modalities, m)
				}
			}
			return nil
		}},
	}
	for _, st := range more {
		if !st.unset {
			continue
		}
		if err := iv.ask(q[st.key]+" ", st.parse); err != nil {
			return err
		}
	}
	// Yes/no footprint questions are asked only on a fresh profile: false is
	// both "no" and "not asked", so a resumed profile keeps its answers.
	im := p.Imaging
	if !resumed && !im.PACS && !im.VNA && !im.Cloud && !im.RemoteReading && !im.VendorRemoteAccess {
		for _, yn := range []struct {
			key string
			dst *bool
		}{{"pacs", &p.Imaging.PACS}, {"vna", &p.Imaging.VNA}, {"cloud", &p.Imaging.Cloud}, {"remote_reading", &p.Imaging.RemoteReading}, {"vendor_remote_access", &p.Imaging.VendorRemoteAccess}} {
			if err := iv.ask(q[yn.key]+" [y/n] ", parseYesNo(yn.dst)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (iv *interviewer) subPractice(sp *SubPractice) (Answer, bool, error) {
	prompt := fmt.Sprintf("\n[%s] %s\n  %s\n  [n/p/l/f/na] > ", sp.ID, sp.Title, sp.Question)
	var ans Answer
	got := false
	for range maxRetries + 1 {
		s, err := iv.line(prompt)
		if err != nil {
			return Answer{}, false, err
		}
		if s == "" {
			return Answer{}, false, nil
		}
		if s == "?" {
			fmt.Fprintf(iv.out, "  %s\n  Done when: %s\n", sp.Description, sp.DoneWhen)
			prompt = "  [n/p/l/f/na] > "
			continue
		}
		gradeText, note, _ := strings.Cut(s, ":")
		g, err := ParseGrade(gradeText)
		if err != nil {
			fmt.Fprintf(iv.out, "  %v\n", err)
			prompt = "  [n/p/l/f/na] > "
			continue
		}
		note = strings.TrimSpace(clean(note))
		if len(note) > maxNotesBytes {
			note = strings.ToValidUTF8(note[:maxNotesBytes], "")
		}
		ans, got = Answer{Grade: g, Notes: note}, true
		break
	}
	return ans, got, nil
}
