package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/monthly"
)

// runBurnList prints the burn queue's discs still to burn.
func runBurnList(ctx context.Context, e *env, data string, asJSON bool) (err error) {
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	pending, err := monthly.Queue{Path: filepath.Join(s.data, monthly.QueueFileName)}.Pending(ctx, s.j)
	if err != nil {
		return err
	}
	if asJSON {
		for _, d := range pending {
			emit(e.stdout, "to_burn", d)
		}
		return emit(e.stdout, "summary", map[string]any{"to_burn": len(pending)})
	}
	if len(pending) == 0 {
		fmt.Fprintln(e.stdout, "no disc left to burn")
		return nil
	}
	fmt.Fprintf(e.stdout, "%d discs to burn, in this order (archiver burn --next --device DEV burns the first):\n", len(pending))
	for _, d := range pending {
		fmt.Fprintf(e.stdout, "  %s  %s  sha256 %s\n", d, d.Image, d.ImageSHA256)
	}
	return nil
}

// runBurnNext burns the first disc of the burn queue through dev.
func runBurnNext(ctx context.Context, e *env, data, dev string, asJSON bool) (err error) {
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	signer, err := sealing.ArchivePublicKey(s.data)
	if err != nil {
		return withHint(fmt.Errorf("archive public key: %w", err), "archiver init --data %s", s.data)
	}
	unlock, err := e.lockSeal(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	b := &monthly.Burner{Journal: s.j, Signer: signer, Changer: discChanger(e, asJSON), Now: e.now}
	b.Progress = sealBars(e)
	q := monthly.Queue{Path: filepath.Join(s.data, monthly.QueueFileName)}
	d, r, rest, err := monthly.BurnNext(ctx, s.j, q, dev, b)
	if errors.Is(err, monthly.ErrQueueEmpty) {
		if asJSON {
			return emit(e.stdout, "summary", map[string]any{"ok": true, "to_burn": 0})
		}
		fmt.Fprintln(e.stdout, "no disc left to burn")
		return nil
	}
	if d.Label != "" {
		if asJSON {
			emit(e.stdout, "disc", map[string]any{"label": d.Label, "copy": d.Copy, "copies": d.Copies, "device": r.Device, "state": r.State,
				"sha256": r.SHA256, "image": d.Image, "image_sha256": d.ImageSHA256, "findings": r.Findings})
		} else if r.State != monthly.DiscNotBurned {
			fmt.Fprintln(e.stdout, r.Line(d.Label))
		}
	}
	if err != nil {
		return discError(err, d, dev, "archiver burn --next --device "+dev)
	}
	if asJSON {
		return emit(e.stdout, "summary", map[string]any{"ok": true, "to_burn": len(rest)})
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stdout, "%d discs still to burn; next: %s (insert a blank disc, then archiver burn --next --device %s)\n", len(rest), rest[0], dev)
	}
	done := true
	for _, x := range rest {
		done = done && x.Label != d.Label
	}
	if done {
		fmt.Fprintf(e.stdout, "every queued disc of %s is burned and verified; release it with the same archiver run --queue again (it resumes), or archiver release --copies %d %s\n",
			d.Label, d.Copies+1, d.Label)
	}
	return nil
}

// discError says what to do about a disc that was not burned or failed:
// exit 3 with a hint naming retry, the command that burns it again.
func discError(err error, d monthly.DiscCopy, dev, retry string) error {
	var de *monthly.DiscError
	if !errors.As(err, &de) {
		return err
	}
	switch {
	case errors.Is(err, monthly.ErrNoBlankDisc):
		return withCode(exitVerify, withHint(err, "%s, then run %s again", monthly.InsertText(d, monthly.CopyTarget(dev, d.Label, d.Copy)), retry))
	case de.Step == "verify" || de.Step == "readback":
		return withCode(exitVerify, withHint(fmt.Errorf("%s: %s failed: %w", d, de.Step, err),
			"discard this disc; %s burns %s again on a new blank disc", retry, d))
	}
	return withCode(exitVerify, withHint(fmt.Errorf("%s: %w", d, err), "check the drive, then run %s again", retry))
}
