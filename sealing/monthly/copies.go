package monthly

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing"
)

// checkSet verifies one volume set's images, then burns, reads back and
// verifies each copy, adding VolumeReports and refusals to tr.
func checkSet(ctx context.Context, j *journal.Journal, o Options, tr *TenantReport, set []journal.Volume) error {
	vrs := make([]*VolumeReport, len(set))
	images := make([]string, len(set))
	for i, v := range set {
		images[i] = filepath.Join(o.OutDir, v.ImageName)
		vrs[i] = &VolumeReport{Label: v.Label, Image: images[i], Messages: len(v.Placements), FirstSeq: v.FirstSeq, LastSeq: v.LastSeq,
			SHA256: hexsum(v.ImageSHA256), Bytes: v.ImageBytes, Signer: v.Signer}
		tr.Volumes = append(tr.Volumes, vrs[i])
	}
	refused := len(tr.Refusals)
	if recorded := sealVerified(set); recorded != nil {
		for i, c := range recorded { // seal's own deep verification of these exact bytes
			vrs[i].Checks = append(vrs[i].Checks, c)
		}
	} else if err := verifyCopies(ctx, j, o, tr, vrs, images, func(int) string { return "image" }); err != nil {
		return err
	}
	if len(o.Devices) == 0 && !o.Queue || len(tr.Refusals) > refused {
		return nil
	}
	b := o.burner(j)
	for i, v := range set {
		for c := 1; c <= o.Copies; c++ {
			d := DiscCopy{Label: v.Label, Tenant: v.Tenant, Period: v.Period, Copy: c, Copies: o.Copies,
				Image: images[i], ImageSHA256: hexsum(v.ImageSHA256), ImageBytes: v.ImageBytes}
			if ver, ok := discDone(v, c); ok { // a rerun: this disc was burned and verified before
				vrs[i].Discs = append(vrs[i].Discs, DiscReport{Copy: c, Copies: o.Copies, State: DiscVerifiedEarlier,
					Method: ver.Method, SHA256: hexsum(ver.ImageSHA256), Time: ver.Time})
				vrs[i].Checks = append(vrs[i].Checks, Check{Copy: fmt.Sprintf("copy %d (%s)", c, d.ID()),
					Method: "deep (" + ver.Time.UTC().Format("2006-01-02T15:04:05Z") + ")", SHA256: hexsum(ver.ImageSHA256), OK: true})
				continue
			}
			if o.Queue {
				d.Queued = o.Now().UTC()
				vrs[i].Discs = append(vrs[i].Discs, DiscReport{Copy: c, Copies: o.Copies, State: DiscQueued})
				tr.queued = append(tr.queued, d)
				continue
			}
			dev := CopyTarget(o.Devices[(c-1)%len(o.Devices)], v.Label, c)
			r, err := b.BurnDisc(ctx, d, dev)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			vrs[i].Discs = append(vrs[i].Discs, r)
			name := fmt.Sprintf("copy %d on %s", c, dev)
			if err != nil { // a failed disc needs a new one too
				tr.unburned = append(tr.unburned, d)
			}
			if r.State != DiscNotBurned {
				vrs[i].Checks = append(vrs[i].Checks, Check{Copy: name, Method: r.Method, SHA256: r.SHA256, OK: err == nil, Findings: r.Findings})
			}
			if err != nil {
				step := "burn"
				var de *DiscError
				if errors.As(err, &de) {
					step = de.Step
				}
				tr.refuse(step, v.Label, name, err.Error())
			}
		}
	}
	return nil
}

// verifyCopies verifies sources (one per volume of vrs, a whole set) deeply
// against the journal, records the verifications, and adds the checks.
// Read-back files that verified OK are removed.
func verifyCopies(ctx context.Context, j *journal.Journal, o Options, tr *TenantReport, vrs []*VolumeReport, sources []string, name func(int) string) error {
	rep, err := sealing.Verify(ctx, sources, sealing.VerifyOptions{Journal: j, Signer: openpgp.EntityList{o.Signer}, Record: true, Now: o.Now, Progress: o.Progress})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for i, vr := range vrs {
			tr.refuse("verify", vr.Label, name(i), err.Error())
		}
		return nil
	}
	for i, vr := range vrs {
		c := Check{Copy: name(i), Method: "deep"}
		if i < len(rep.Volumes) {
			v := rep.Volumes[i]
			c.Method, c.SHA256, c.OK = v.Method, hexsum(v.ImageSHA256), v.OK && v.Method == "deep"
			for _, f := range v.Findings {
				c.Findings = append(c.Findings, f.String())
			}
		}
		for _, f := range rep.Findings { // set and chain findings concern every volume
			c.OK = false
			c.Findings = append(c.Findings, f.String())
		}
		vr.Checks = append(vr.Checks, c)
		if !c.OK {
			reason := "verification failed"
			if len(c.Findings) > 0 {
				reason = c.Findings[0]
			}
			tr.refuse("verify", vr.Label, c.Copy+" ("+sources[i]+")", reason)
		} else if c.Copy != "image" {
			os.Remove(sources[i])
		}
	}
	return nil
}

// sealVerified returns, per volume, the OK deep verification Seal recorded
// of the image with exactly the recorded SHA-256, or nil if some volume has
// none (then the images are verified again). Verifying the same bytes twice
// proves nothing more; each burned copy is still verified deeply.
func sealVerified(set []journal.Volume) []Check {
	out := make([]Check, len(set))
	for i, v := range set {
		found := false
		for _, ver := range v.Verifications {
			if ver.OK && ver.Method == "deep" && ver.ImageSHA256 == v.ImageSHA256 {
				out[i] = Check{Copy: "image", Method: "deep (at seal, " + ver.Time.UTC().Format("2006-01-02T15:04:05Z") + ")", SHA256: hexsum(ver.ImageSHA256), OK: true}
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return out
}
