package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// liveAlarmKinds are computed by status from the current state; clearing
// them does nothing while their condition holds.
var liveAlarmKinds = []string{"unsealed-age", "low-disk"}

func alarmCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "alarm",
		Usage: "acknowledge alarms, so that status exits 0 again",
		Subcommands: []*cli.Command{{
			Name:      "clear",
			Usage:     "acknowledge the stored alarms of each KIND (or --all); audited. unsealed-age and low-disk come back while their condition holds",
			ArgsUsage: "KIND...",
			Flags:     []cli.Flag{dataFlag(), &cli.BoolFlag{Name: "all", Usage: "clear every kind"}},
			Action: func(c *cli.Context) error {
				kinds := c.Args().Slice()
				if c.Bool("all") == (len(kinds) > 0) {
					return withHint(errors.New("alarm clear needs KIND... or --all"), "archiver status --json lists the raised alarms with their kind; archiver alarm clear unrouted")
				}
				if c.Bool("all") {
					kinds = []string{""}
				}
				return runAlarmClear(c.Context, e, c.String("data"), kinds)
			},
		}},
	}
}

func runAlarmClear(ctx context.Context, e *env, data string, kinds []string) (err error) {
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	for _, k := range kinds {
		if err := s.j.ClearAlarms(ctx, k); err != nil {
			return fmt.Errorf("alarm clear: %w", err)
		}
		what := k
		if k == "" {
			what = "all kinds"
		}
		e.audit(ctx, s, "alarm", "clear "+what)
		fmt.Fprintf(e.stdout, "cleared alarms: %s\n", what)
	}
	st, err := s.j.Status(ctx)
	if err != nil {
		return err
	}
	var still []string
	for _, a := range st.Alarms {
		still = append(still, a.Kind)
		if slices.Contains(liveAlarmKinds, a.Kind) {
			fmt.Fprintf(e.stdout, "still raised: %s %s: %s (a live condition: it clears itself once resolved)\n", a.Kind, a.Tenant, a.Message)
		} else {
			fmt.Fprintf(e.stdout, "still raised: %s %s: %s\n", a.Kind, a.Tenant, a.Message)
		}
	}
	if len(still) == 0 {
		fmt.Fprintln(e.stdout, "no alarm raised")
	} else {
		fmt.Fprintf(e.stdout, "%s still raised: %s\n", count(len(still), "alarm"), strings.Join(still, ", "))
	}
	return nil
}
