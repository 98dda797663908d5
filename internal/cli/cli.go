// Package cli implements the pacsguard command line. main only calls Run;
// every command is testable in-process, and exit codes are decided in one place
// (exitCode) from classified errors.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes. They are part of the interface: scripts depend on them, and
// `pacsguard --help` documents them.
const (
	ExitOK          = 0   // done, nothing to report
	ExitFindings    = 1   // findings present, or some inputs could not be read (per command)
	ExitUsage       = 2   // bad flag, argument or input file format: nothing was done
	ExitFailure     = 3   // could not do the job (store, I/O, network set-up)
	ExitInterrupted = 130 // stopped by Ctrl-C or SIGTERM
)

const exitCodeHelp = `Exit codes:
  0    done, no findings
  1    findings present, or some inputs could not be read (see each command)
  2    usage error: bad flag, argument or input format; nothing was done
  3    failure: the job could not be done (store, I/O, network set-up)
  130  interrupted`

// Env is what a command may touch of the outside world. Tests build their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// StderrIsTerminal enables progress bars; false in tests and pipes.
	StderrIsTerminal bool
	// StdinIsTerminal enables interactive prompts.
	StdinIsTerminal bool
	Now             func() time.Time
	Getenv          func(string) string
}

// ErrFindings is returned by a command that has printed its report and found
// something: exit code 1, no further message.
var ErrFindings = errors.New("findings present")

// usageError is a mistake of the caller: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usageErrorf reports a caller mistake; the message should say how to fix it.
func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// partialError means the command did its job on some inputs and reported the
// others one line each: exit code 1 with a summary line.
type partialError struct{ msg string }

func (e *partialError) Error() string { return e.msg }

func partialErrorf(format string, args ...any) error {
	return &partialError{msg: fmt.Sprintf(format, args...)}
}

// Run executes the command line args (without the program name) and returns
// the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{
		Stdin:            stdin,
		Stdout:           stdout,
		Stderr:           stderr,
		StderrIsTerminal: isTerminal(stderr),
		StdinIsTerminal:  isTerminal(stdin),
		Now:              time.Now,
		Getenv:           os.Getenv,
	}
	return RunEnv(ctx, env, args)
}

// RunEnv is Run with an explicit environment, for tests.
func RunEnv(ctx context.Context, env *Env, args []string) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	return report(env, cmd, err)
}

func report(env *Env, cmd *cobra.Command, err error) int {
	code := exitCode(err)
	switch code {
	case ExitOK:
	case ExitFindings:
		if !errors.Is(err, ErrFindings) {
			fmt.Fprintf(env.Stderr, "pacsguard: %v\n", err)
		}
	case ExitUsage:
		name := "pacsguard"
		if cmd != nil {
			name = cmd.CommandPath()
		}
		fmt.Fprintf(env.Stderr, "pacsguard: %v\nRun '%s --help' for usage.\n", err, name)
	case ExitInterrupted:
		fmt.Fprintln(env.Stderr, "pacsguard: interrupted")
	default:
		fmt.Fprintf(env.Stderr, "pacsguard: %v\n", oneLine(err.Error()))
	}
	return code
}

func exitCode(err error) int {
	var ue *usageError
	var pe *partialError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrFindings), errors.As(err, &pe):
		return ExitFindings
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	default:
		return ExitFailure
	}
}

// oneLine keeps error output to one line whatever a lower layer wrapped.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
