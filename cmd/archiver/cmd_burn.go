package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/monthly"
	"github.com/urfave/cli/v2"
)

func burnCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "burn",
		Usage:     "burn one image, or the next disc of the burn queue (--next), with xorriso; read it back and verify it; exit 3 if the copy differs",
		ArgsUsage: "IMAGE",
		Description: "--device is a drive (/dev/sr0), xorriso's stdio:FILE pseudo-drive, or stdio:DIR/ (one file per copy, DIR/LABEL-copyN.iso).\n" +
			"The read-back must be bit-identical to the image (SHA-256); with --data it is also verified deeply against the journal and recorded as a disc for release --copies.\n" +
			"--next burns the first disc that archiver run --queue queued and is not yet verified; --list shows them all. A burn needs a blank disc:\n" +
			"if stdin is a terminal, burn asks for one and waits; otherwise it exits 3 naming the disc to insert. A written disc is never burned over.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Aliases: []string{"d"}, Usage: "data directory `DIR` (or $ARCHIVER_DATA): verify the copy deeply and record it"},
			&cli.StringFlag{Name: "device", Usage: "drive `DEV` (/dev/sr0, stdio:FILE, stdio:DIR/)"},
			&cli.BoolFlag{Name: "next", Usage: "burn the next disc of the burn queue (archiver run --queue)"},
			&cli.BoolFlag{Name: "list", Usage: "list the discs of the burn queue still to burn"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			data := c.String("data")
			if data == "" {
				data = e.getenv("ARCHIVER_DATA")
			}
			dev := absDevice(e, strings.TrimSpace(c.String("device")))
			switch {
			case c.Bool("list") && (c.Bool("next") || c.NArg() > 0):
				return withHint(errors.New("burn --list takes no IMAGE and no --next"), "archiver burn --list")
			case c.Bool("list"):
				return runBurnList(c.Context, e, data, c.Bool("json"))
			case dev == "":
				return withHint(errors.New("burn needs --device"), "archiver burn --next --device /dev/sr0 (or --device stdio:DIR/)")
			case c.Bool("next") && c.NArg() > 0:
				return withHint(errors.New("burn --next takes no IMAGE: it burns the next disc of the queue"), "archiver burn --next --device %s", dev)
			case c.Bool("next"):
				return runBurnNext(c.Context, e, data, dev, c.Bool("json"))
			case c.NArg() != 1:
				return withHint(errors.New("burn needs exactly one IMAGE, or --next"), "archiver burn --device /dev/sr0 IMAGE.iso, or archiver burn --next --device /dev/sr0")
			}
			return runBurn(c.Context, e, data, dev, e.abs(c.Args().First()))
		},
	}
}

func runBurn(ctx context.Context, e *env, data, dev, image string) error {
	if data != "" {
		return runBurnRecorded(ctx, e, data, dev, image)
	}
	fi, err := os.Stat(image)
	if err != nil {
		return err
	}
	want, err := monthly.FileSHA256(image)
	if err != nil {
		return err
	}
	d := monthly.DiscCopy{Label: filepath.Base(image), Copy: 1, Copies: 1}
	if err := discChanger(e, false).WaitBlank(ctx, dev, d); err != nil {
		return withCode(exitVerify, withHint(err, "insert a blank disc, then run the same archiver burn again"))
	}
	if err := media.Burn(ctx, dev, image); err != nil {
		return withHint(err, "check the drive and insert a blank disc, then run the same archiver burn again")
	}
	defer media.Eject(context.Background(), dev)
	h := sha256.New()
	sectors := (fi.Size() + media.SectorSize - 1) / media.SectorSize
	if err := media.ReadBack(ctx, dev, sectors, h); err != nil {
		return withCode(exitVerify, fmt.Errorf("read back %s: %w", dev, err))
	}
	var got [32]byte
	copy(got[:], h.Sum(nil))
	if got != want {
		return withCode(exitVerify, withHint(fmt.Errorf("copy on %s differs from %s: read back sha256 %s, image %s", dev, image, hexsum(got), hexsum(want)),
			"burn a new disc: archiver burn --device %s %s", dev, image))
	}
	fmt.Fprintf(e.stdout, "burned %s to %s; read back %d sectors, sha256 %s matches\n", filepath.Base(image), dev, sectors, hexsum(got))
	return nil
}

// runBurnRecorded burns a sealed image as another disc of its volume
// (--copy N, or the lowest copy number not yet burned and verified),
// verifies the read-back deeply and records it as disc:LABEL#N.
func runBurnRecorded(ctx context.Context, e *env, data, dev, image string) (err error) {
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	label, err := sealing.ResolveLabel(ctx, s.j, image)
	if err != nil {
		return withHint(err, "archiver burn --data %s --device %s IMAGE.iso (an image that seal or run wrote)", s.data, dev)
	}
	v, err := s.j.VolumeMeta(ctx, label)
	if err != nil {
		return err
	}
	if !v.Released.IsZero() { // its verification key is wiped: no deep check, nothing to count toward release
		fmt.Fprintf(e.stderr, "archiver: note: %s was released; the disc is checked against the image's SHA-256 only, and not recorded\n", label)
		return runBurn(ctx, e, "", dev, image)
	}
	signer, err := sealing.ArchivePublicKey(s.data)
	if err != nil {
		return withHint(fmt.Errorf("archive public key: %w", err), "archiver init --data %s", s.data)
	}
	unlock, err := e.lockSeal(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	n := monthly.NextCopy(v)
	d := monthly.DiscCopy{Label: label, Tenant: v.Tenant, Period: v.Period, Copy: n, Copies: n, Image: image,
		ImageSHA256: hexsum(v.ImageSHA256), ImageBytes: v.ImageBytes}
	b := &monthly.Burner{Journal: s.j, Signer: signer, Changer: discChanger(e, false), Now: e.now}
	b.Progress = sealBars(e)
	r, err := b.BurnDisc(ctx, d, monthly.CopyTarget(dev, label, n))
	if err != nil {
		if r.State != monthly.DiscNotBurned {
			fmt.Fprintln(e.stdout, r.Line(label))
		}
		return discError(err, d, dev, fmt.Sprintf("archiver burn --data %s --device %s %s", s.data, dev, image))
	}
	fmt.Fprintf(e.stdout, "burned %s to %s; read back %d sectors, sha256 %s matches\n", filepath.Base(image), r.Device,
		(d.ImageBytes+media.SectorSize-1)/media.SectorSize, r.SHA256)
	fmt.Fprintf(e.stdout, "verify: OK (%s), recorded as %s\n", r.Method, d.ID())
	return nil
}

func isCapacity(err error) bool {
	var ce *media.CapacityError
	var tl *sealing.TooLargeError
	return errors.As(err, &ce) || errors.As(err, &tl)
}

// deviceList resolves stdio: paths in devices against the caller's cwd.
func deviceList(e *env, devs []string) []string {
	out := make([]string, len(devs))
	for i, d := range devs {
		out[i] = absDevice(e, strings.TrimSpace(d))
	}
	return out
}

// absDevice resolves a device's stdio: path against the caller's cwd,
// keeping the trailing slash of stdio:DIR/ (one file per copy).
func absDevice(e *env, d string) string {
	p := e.abs(d)
	if strings.HasPrefix(d, "stdio:") && strings.HasSuffix(d, "/") && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}
