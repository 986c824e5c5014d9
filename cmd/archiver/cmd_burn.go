package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
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
	fi, err := os.Stat(image)
	if err != nil {
		return err
	}
	want, err := fileSHA256(image)
	if err != nil {
		return err
	}
	if err := media.Burn(ctx, dev, image); err != nil {
		return withHint(err, "check the drive and insert a blank disc, then run the same archiver burn again")
	}
	// The read-back is verified under a name that says which drive it came
	// from (the journal records it as the copy), then removed.
	devName := strings.NewReplacer("/", "_", ":", "_").Replace(dev)
	rb, err := os.CreateTemp(filepath.Dir(image), filepath.Base(image)+".readback-"+devName+"-*.iso")
	if err != nil {
		return err
	}
	defer os.Remove(rb.Name())
	h := sha256.New()
	sectors := (fi.Size() + media.SectorSize - 1) / media.SectorSize
	err = media.ReadBack(ctx, dev, sectors, io.MultiWriter(rb, h))
	if cerr := rb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return withCode(exitVerify, fmt.Errorf("read back %s: %w", dev, err))
	}
	var got [32]byte
	copy(got[:], h.Sum(nil))
	if got != want {
		return withCode(exitVerify, withHint(fmt.Errorf("copy on %s differs from %s: read back sha256 %s, image %s", dev, image, hexsum(got), hexsum(want)),
			"burn a new disc: archiver burn --device %s %s", dev, image))
	}
	fmt.Fprintf(e.stdout, "burned %s to %s; read back %d sectors, sha256 %s matches\n", filepath.Base(image), dev, sectors, hexsum(got))
	if data == "" {
		return nil
	}
	copyName := rb.Name()
	return runVerify(ctx, verifyOptions{data: data, sources: []string{copyName}}, e)
}

func fileSHA256(p string) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(p)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
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
