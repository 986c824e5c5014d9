package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/monthly"
	"github.com/urfave/cli/v2"
)

type runOptions struct {
	data, period, out, medium, passFile string
	copies                              int
	devices                             []string
	asJSON, queue                       bool
}

func runCommand(e *env) *cli.Command {
	var o runOptions
	return &cli.Command{
		Name:  "run",
		Usage: "the monthly job for every tenant: seal, verify, burn --copies copies, read back and verify each, then release",
		Description: "Writes run-YYYY-MM.txt and run-YYYY-MM.json into --out (a rerun: run-YYYY-MM-2.txt, -3, …; never overwritten): per tenant each volume's label (write it on the disc),\n" +
			"message count, sequence range, image SHA-256, signer fingerprint, verifications, each disc burned, refusals with reasons, and the discs still to burn.\n" +
			"Each copy is burned on a blank disc of its own, copy N on the Nth --device (in turn); after each burn the disc is read back, verified and ejected.\n" +
			"When a drive holds no blank disc, run asks \"insert blank disc for LABEL copy N in DEV\" and waits, if stdin is a terminal; otherwise that copy is refused.\n" +
			"stdio:DIR/ (trailing slash) writes one file per copy, DIR/LABEL-copyN.iso. --queue burns nothing: archiver burn --next burns the queued discs one at a time.\n" +
			"Anything refused: nothing of that tenant is released and run exits 3. A rerun resumes sealed, unreleased volumes, burning only the discs not yet verified.",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{Name: "period", Required: true, Usage: "UTC month `YYYY-MM`", Destination: &o.period},
			&cli.StringFlag{Name: "out", Required: true, Usage: "directory `DIR` for images and the run report", Destination: &o.out},
			mediaFlag(&o.medium),
			&cli.IntFlag{Name: "copies", Value: 1, Usage: "discs to burn of each volume (with --device or --queue)", Destination: &o.copies},
			&cli.StringSliceFlag{Name: "device", Usage: "drive `DEV` (/dev/sr0, stdio:FILE, or stdio:DIR/ for one file per copy); copies go to the devices in turn (repeatable)"},
			&cli.BoolFlag{Name: "queue", Usage: "burn nothing: queue every copy for archiver burn --next (unattended runs); release waits for the discs", Destination: &o.queue},
			passFileFlag(&o.passFile),
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			o.data, o.devices, o.asJSON = c.String("data"), c.StringSlice("device"), c.Bool("json")
			lowerGC(e)
			return runRun(c.Context, o, e)
		},
	}
}

func runRun(ctx context.Context, o runOptions, e *env) (err error) {
	if o.queue && len(o.devices) > 0 {
		return withHint(errors.New("--queue burns nothing, so it takes no --device"),
			"archiver run --queue …, then archiver burn --next --device DEV for each disc")
	}
	prof, err := media.ParseProfile(o.medium)
	if err != nil {
		return withHint(err, "archiver run --help lists the profiles")
	}
	s, err := e.open(ctx, o.data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	sg, err := signer(e, s.data, o.passFile)
	if err != nil {
		return err
	}
	cat, err := s.catalog(ctx)
	if err != nil {
		return err
	}
	keep, err := cat.Held(ctx)
	if err != nil {
		return err
	}
	out := e.abs(o.out)
	mo := monthly.Options{Period: o.period, OutDir: out, Profile: prof, Copies: o.copies, Devices: deviceList(e, o.devices),
		Signer: sg, Keep: keep, Actor: e.user, Now: e.now, Queue: o.queue, QueueFile: filepath.Join(s.data, monthly.QueueFileName),
		Changer: discChanger(e, o.asJSON)}
	mo.Progress = sealBars(e)
	if mo.AfterBurn, err = corruptCopyFromEnv(e); err != nil {
		return err
	}
	unlock, err := e.lockSeal(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	rep, err := monthly.Run(ctx, s.j, mo)
	if err != nil {
		if rep != nil { // stopped midway: record what was done (some tenants may be released)
			if txt, _, werr := rep.WriteFiles(out); werr == nil {
				fmt.Fprintf(e.stderr, "archiver: run stopped; what was done is in %s\n", txt)
			} else {
				err = errors.Join(err, fmt.Errorf("write run report: %w", werr))
			}
		}
		return err
	}
	txt, js, err := rep.WriteFiles(out)
	if err != nil {
		return err
	}
	if o.asJSON {
		for _, t := range rep.Tenants {
			emit(e.stdout, "tenant", t)
		}
		for _, d := range rep.ToBurn {
			emit(e.stdout, "to_burn", d)
		}
		emit(e.stdout, "summary", map[string]any{"period": rep.Period, "ok": rep.OK, "to_burn": len(rep.ToBurn), "report_txt": txt, "report_json": js})
	} else {
		if err := rep.WriteText(e.stdout); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "report: %s, %s\n", txt, js)
	}
	if !rep.OK {
		if insert := insertRequest(rep); insert != "" {
			return withCode(exitVerify, withHint(fmt.Errorf("run refused something; nothing of a refused tenant was released; no blank disc: %s", insert),
				"insert a blank disc and run the same archiver run again (it resumes, burning only the discs still missing), or for unattended runs: archiver run --queue, then archiver burn --next"))
		}
		return withCode(exitVerify, withHint(errors.New("run refused something; nothing of a refused tenant was released"),
			"read %s, fix the cause, then run the same archiver run again (it resumes)", txt))
	}
	return nil
}

// insertRequest is the first refusal's "insert blank disc for LABEL copy
// N in DEV", or "".
func insertRequest(rep *monthly.Report) string {
	for _, t := range rep.Tenants {
		for _, f := range t.Refusals {
			if i := strings.Index(f.Reason, "insert blank disc for "); i >= 0 {
				return f.Reason[i:]
			}
		}
	}
	return ""
}

// discChanger asks for disc changes on stderr (with --json, as an
// "insert_disc" event on stdout) when stdin is a terminal.
func discChanger(e *env, asJSON bool) *monthly.Changer {
	return &monthly.Changer{Interactive: e.interactive, Prompt: func(p monthly.DiscPrompt) {
		if asJSON {
			emit(e.stdout, "insert_disc", p)
			return
		}
		fmt.Fprintf(e.stderr, "archiver: %s (waiting for it; ^C stops)\n", p.Message)
	}}
}
