package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing"
	"github.com/urfave/cli/v2"
)

func releaseCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "release",
		Usage:     "delete journal bodies of volumes that passed deep verification (verify --data) on --copies distinct copies; exit 3 if refused",
		ArgsUsage: "IMAGE|LABEL...",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.IntFlag{Name: "copies", Value: 1, Usage: "distinct copies (images or discs) with an OK deep verification required"},
			jsonFlag,
		},
		Action: func(c *cli.Context) (err error) {
			if c.NArg() == 0 {
				return withHint(errors.New("no volume given"), "archiver release --data DIR IMAGE|LABEL")
			}
			s, err := e.open(c.Context, c.String("data"))
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			cat, err := s.catalog(c.Context)
			if err != nil {
				return err
			}
			keep, err := cat.Held(c.Context)
			if err != nil {
				return err
			}
			var refused int
			var total journal.ReleaseResult
			for _, arg := range c.Args().Slice() {
				if !isDevice(arg) {
					arg = releaseArg(e, arg)
				}
				r, err := sealing.Release(c.Context, s.j, arg, sealing.ReleaseOptions{Copies: c.Int("copies"), Keep: keep, Actor: e.user})
				var already *sealing.AlreadyReleasedError
				if errors.As(err, &already) { // idempotent: nothing changed, nothing refused
					when := already.Released.UTC().Format(time.RFC3339)
					if c.Bool("json") {
						emit(e.stdout, "release", map[string]any{"volume": arg, "label": already.Label, "already_released": when, "released": 0, "kept": 0, "bytes_freed": 0})
					} else {
						fmt.Fprintf(e.stdout, "%s already released on %s: nothing to do\n", already.Label, when)
					}
					continue
				}
				if err != nil {
					refused++
					if c.Bool("json") {
						emit(e.stdout, "refusal", map[string]any{"volume": arg, "reason": err.Error()})
					} else {
						fmt.Fprintf(e.stdout, "REFUSED %s: %v\n", arg, err)
					}
					continue
				}
				total.Released += r.Released
				total.Kept += r.Kept
				total.BytesFreed += r.BytesFreed
				if c.Bool("json") {
					emit(e.stdout, "release", map[string]any{"volume": arg, "released": r.Released, "kept": r.Kept, "bytes_freed": r.BytesFreed})
				} else {
					fmt.Fprintf(e.stdout, "released %s: %d bodies deleted, %d kept by legal hold, %d bytes freed\n", arg, r.Released, r.Kept, r.BytesFreed)
				}
			}
			if c.Bool("json") {
				emit(e.stdout, "summary", map[string]any{"released": total.Released, "kept": total.Kept, "bytes_freed": total.BytesFreed, "refused": refused, "ok": refused == 0})
			}
			if refused > 0 {
				return withCode(exitVerify, withHint(fmt.Errorf("%d volumes refused", refused), "archiver verify --data %s IMAGE (or each burned copy), then release again", s.data))
			}
			return nil
		},
	}
}

// releaseArg resolves an existing relative image path against the caller's
// cwd; a label stays as given.
func releaseArg(e *env, arg string) string {
	if p := e.abs(arg); fileExists(p) {
		return p
	}
	return arg
}
