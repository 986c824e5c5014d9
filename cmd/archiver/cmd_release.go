package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing"
	"github.com/urfave/cli/v2"
)

func releaseCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "release",
		Usage:     "delete journal bodies of volumes held by --copies distinct verified copies, each re-checked now; exit 3 if refused",
		ArgsUsage: "IMAGE|DRIVE|LABEL...",
		Description: "A copy counts if its latest verification is an OK deep one (verify --data, burn) and it still matches now:\n" +
			"the image counts once however many files hold it (each file on record is hashed again); each burned disc counts once\n" +
			"(read back again if it is in a drive). A path that does not exist is exit 1; a file that is not the image sealed is exit 3.",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.IntFlag{Name: "copies", Value: 1, Usage: "distinct copies required: the image (once) and each burned disc"},
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
			args := c.Args().Slice()
			for i, arg := range args { // every name resolves before anything is released
				args[i] = releaseArg(e, arg)
				if err := sealing.CheckReleaseArg(c.Context, s.j, args[i]); err != nil {
					return withHint(err, "give an existing image file or drive, a volume label, or an image file name as seal and the run report print them: archiver release --data %s LABEL", s.data)
				}
			}
			cat, err := s.catalog(c.Context)
			if err != nil {
				return err
			}
			keep, err := cat.Held(c.Context)
			if err != nil {
				return err
			}
			var refused int
			var hint string
			var total journal.ReleaseResult
			for _, arg := range args {
				r, err := sealing.Release(c.Context, s.j, arg, sealing.ReleaseOptions{Copies: c.Int("copies"), Keep: keep, Actor: e.user, Now: e.now})
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
					h := refusalHint(err, s.data)
					if hint == "" {
						hint = h
					}
					if c.Bool("json") {
						obj := map[string]any{"volume": arg, "reason": err.Error(), "hint": h}
						var re *sealing.RefusedError
						if errors.As(err, &re) {
							obj["label"], obj["why"], obj["counted"], obj["required"] = re.Label, re.Reason, re.Counted, re.Copies
						}
						emit(e.stdout, "refusal", obj)
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
					fmt.Fprintf(e.stdout, "released %s: %s deleted, %d kept by legal hold, %d bytes freed\n", arg, count(r.Released, "body"), r.Kept, r.BytesFreed)
				}
			}
			if c.Bool("json") {
				emit(e.stdout, "summary", map[string]any{"released": total.Released, "kept": total.Kept, "bytes_freed": total.BytesFreed, "refused": refused, "ok": refused == 0})
			}
			if refused > 0 {
				return withCode(exitVerify, withHint(fmt.Errorf("%d volumes refused; no body of a refused volume was deleted", refused), "%s", hint))
			}
			return nil
		},
	}
}

// refusalHint names the next step after a refused release.
func refusalHint(err error, data string) string {
	var re *sealing.RefusedError
	var ne *sealing.NameError
	switch {
	case errors.As(err, &ne):
		return fmt.Sprintf("give an existing image file or drive, or a volume label: archiver release --data %s LABEL", data)
	case !errors.As(err, &re):
		return fmt.Sprintf("archiver journal check --data %s, then release again", data)
	case re.Reason == sealing.RefusedDamaged:
		return fmt.Sprintf("the copy named no longer matches the image sealed: replace it from a good copy (archiver burn --data %s --device DEV GOOD.iso, or restore the image file), "+
			"archiver verify --data %s COPY, then release again", data, data)
	case re.Reason == sealing.RefusedNotThisVolume:
		return fmt.Sprintf("give the image this data directory sealed (its SHA-256 is in the run report and archiver verify --data %s IMAGE checks it), or the volume label", data)
	case re.Counted > 0:
		return fmt.Sprintf("burn another copy and verify it: archiver burn --data %s --device DEV IMAGE (it reads the disc back and records its verification), then release again; "+
			"another file of the same image does not count", data)
	}
	return fmt.Sprintf("archiver verify --data %s IMAGE (or each burned copy), then release again", data)
}

// releaseArg resolves a path argument (an existing file, one with a
// slash, or a stdio: drive) against the caller's cwd; a label or a
// recorded image name stays as given.
func releaseArg(e *env, arg string) string {
	if isDevice(arg) {
		return e.absDevice(arg)
	}
	if strings.ContainsRune(arg, '/') || fileExists(e.abs(arg)) {
		return e.abs(arg)
	}
	return arg
}
