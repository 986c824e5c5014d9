package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/monthly"
	"github.com/urfave/cli/v2"
)

type runOptions struct {
	data, period, out, medium, passFile string
	copies                              int
	devices                             []string
	asJSON                              bool
}

func runCommand(e *env) *cli.Command {
	var o runOptions
	return &cli.Command{
		Name:  "run",
		Usage: "the monthly job for every tenant: seal, verify, burn --copies copies, read back and verify each, then release",
		Description: "Writes run-YYYY-MM.txt and run-YYYY-MM.json into --out (a rerun: run-YYYY-MM-2.txt, -3, …; never overwritten): per tenant each volume's label (write it on the disc),\n" +
			"message count, sequence range, image SHA-256, signer fingerprint, verifications and refusals with reasons.\n" +
			"Anything refused: nothing of that tenant is released and run exits 3. A rerun resumes sealed, unreleased volumes.",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{Name: "period", Required: true, Usage: "UTC month `YYYY-MM`", Destination: &o.period},
			&cli.StringFlag{Name: "out", Required: true, Usage: "directory `DIR` for images and the run report", Destination: &o.out},
			mediaFlag(&o.medium),
			&cli.IntFlag{Name: "copies", Value: 1, Usage: "copies to burn of each volume, one per distinct --device (run cannot prompt for a disc change)", Destination: &o.copies},
			&cli.StringSliceFlag{Name: "device", Usage: "drive `DEV` (/dev/sr0 or stdio:/path); copies go to the devices in turn (repeatable)"},
			passFileFlag(&o.passFile),
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			o.data, o.devices, o.asJSON = c.String("data"), c.StringSlice("device"), c.Bool("json")
			return runRun(c.Context, o, e)
		},
	}
}

func runRun(ctx context.Context, o runOptions, e *env) (err error) {
	if err := monthly.CheckDevices(o.copies, deviceList(e, o.devices)); err != nil {
		return withHint(err, "run cannot prompt for a disc change: give one drive per copy (--copies 2 --device /dev/sr0 --device /dev/sr1), or --copies 1, or burn further copies by hand with archiver burn")
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
		Signer: sg, Keep: keep, Actor: e.user, Now: e.now}
	if e.tty {
		mo.Progress = e.stderr
	}
	if f := e.getenv("ARCHIVER_TEST_CORRUPT_COPY"); f != "" {
		if mo.AfterBurn, err = corruptCopyFault(f); err != nil {
			return err
		}
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
		emit(e.stdout, "summary", map[string]any{"period": rep.Period, "ok": rep.OK, "report_txt": txt, "report_json": js})
	} else {
		if err := rep.WriteText(e.stdout); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "report: %s, %s\n", txt, js)
	}
	if !rep.OK {
		return withCode(exitVerify, withHint(errors.New("run refused something; nothing of a refused tenant was released"),
			"read %s, fix the cause, then run the same archiver run again (it resumes)", txt))
	}
	return nil
}

// corruptCopyFault parses ARCHIVER_TEST_CORRUPT_COPY=N (TEST ONLY): after
// burning copy N, flip one bit in the middle of the image on the stdio:
// pseudo-drive's file.
func corruptCopyFault(spec string) (func(string, string, int) error, error) {
	want, err := strconv.Atoi(spec)
	if err != nil {
		return nil, fmt.Errorf("ARCHIVER_TEST_CORRUPT_COPY %q: %w", spec, err)
	}
	return func(dev, image string, c int) error {
		if c != want || !strings.HasPrefix(dev, "stdio:") {
			return nil
		}
		fi, err := os.Stat(image)
		if err != nil {
			return err
		}
		return flipByte(strings.TrimPrefix(dev, "stdio:"), fi.Size()/2)
	}, nil
}

// flipByte flips one bit of the byte at off in the file at path.
func flipByte(path string, off int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		return err
	}
	b[0] ^= 0x40
	_, err = f.WriteAt(b, off)
	return err
}
