package monthly

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
)

// States of a DiscReport.
const (
	DiscVerified        = "burned and verified"
	DiscVerifiedEarlier = "burned and verified earlier"
	DiscQueued          = "queued to burn"
	DiscFailed          = "FAILED"
	DiscNotBurned       = "NOT burned"
)

// DiscReport is what became of one DiscCopy.
type DiscReport struct {
	Copy     int       `json:"copy"`   // 1-based
	Copies   int       `json:"copies"` // copies of the volume in all
	Device   string    `json:"device,omitempty"`
	State    string    `json:"state"`            // DiscVerified, DiscVerifiedEarlier, DiscQueued, DiscFailed, DiscNotBurned
	Method   string    `json:"method,omitempty"` // of the verification: "deep"
	SHA256   string    `json:"sha256,omitempty"` // hex, of the bytes read back
	Time     time.Time `json:"time,omitzero"`    // of the verification, UTC
	Findings []string  `json:"findings,omitempty"`
}

// Line is the report line for the disc: "ACME_202612_V01OF01 copy 1 of 2:
// /dev/sr0, burned and verified, SHA-256 …".
func (r DiscReport) Line(label string) string {
	s := fmt.Sprintf("%s copy %d of %d: ", label, r.Copy, r.Copies)
	if r.Device != "" {
		s += r.Device + ", "
	}
	s += r.State
	if r.SHA256 != "" {
		s += ", SHA-256 " + r.SHA256
	}
	return s
}

// DiscError says at which step ("burn", "readback", "verify") a disc
// failed. Err is a *NoBlankDiscError when no blank disc was there.
type DiscError struct {
	Step string
	Err  error
}

func (e *DiscError) Error() string { return e.Err.Error() }
func (e *DiscError) Unwrap() error { return e.Err }

// Burner burns one DiscCopy at a time on a blank disc, reads it back,
// verifies the read-back deeply against the journal, records the result
// as a journal.Verification (Kind DiscKind, Copy DiscCopyID), and ejects
// the disc.
type Burner struct {
	Journal  *journal.Journal
	Signer   openpgp.EntityList                                                         // trusted archive public key(s)
	Changer  *Changer                                                                   // nil: not interactive, media.QueryMedium
	Burn     func(ctx context.Context, device, image string) error                      // nil: media.Burn
	ReadBack func(ctx context.Context, device string, sectors int64, w io.Writer) error // nil: media.ReadBack
	Eject    func(ctx context.Context, device string) error                             // nil: media.Eject
	// ReadbackDir holds each read-back as LABEL.copyN.iso until it
	// verified OK (a failed one stays, for inspection); "": "readback"
	// beside the image.
	ReadbackDir string
	Now         func() time.Time // nil: time.Now
	Progress    sealing.Progress // how far each verify step has come; nil: not reported
	// AfterBurn, when set, runs after each burn (TEST ONLY: corrupting a
	// copy); copy is 1-based.
	AfterBurn func(device, image string, copy int) error
}

// BurnDisc burns d through device ("stdio:DIR/" is resolved by the caller
// with CopyTarget). It first checks that the image still has its sealed
// SHA-256, then waits for a blank disc (Changer), burns, reads exactly the
// image's sectors back, and verifies them. The error is nil only for a
// disc burned, read back and verified OK; otherwise it is a *DiscError
// (or ctx's error), and the report says what happened. A verification,
// OK or not, is recorded in the journal.
func (b *Burner) BurnDisc(ctx context.Context, d DiscCopy, device string) (DiscReport, error) {
	r := DiscReport{Copy: d.Copy, Copies: d.Copies, Device: device, State: DiscNotBurned}
	fail := func(step string, err error) (DiscReport, error) {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		r.Findings = append(r.Findings, err.Error())
		return r, &DiscError{Step: step, Err: err}
	}
	sum, err := FileSHA256(d.Image)
	if err != nil {
		return fail("burn", fmt.Errorf("image of %s: %w", d.Label, err))
	}
	if hexsum(sum) != d.ImageSHA256 {
		return fail("burn", fmt.Errorf("image %s has SHA-256 %s, but %s was sealed with %s: it changed since sealing; nothing burned", d.Image, hexsum(sum), d.Label, d.ImageSHA256))
	}
	if strings.HasPrefix(device, "stdio:") {
		if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(device, "stdio:")), 0o755); err != nil {
			return fail("burn", err)
		}
	}
	ch := b.Changer
	if ch == nil {
		ch = &Changer{}
	}
	if err := ch.WaitBlank(ctx, device, d); err != nil {
		return fail("burn", err)
	}
	burn := b.Burn
	if burn == nil {
		burn = media.Burn
	}
	if err := burn(ctx, device, d.Image); err != nil {
		return fail("burn", fmt.Errorf("burn: %w", err))
	}
	defer b.eject(device)
	r.State = DiscFailed
	if b.AfterBurn != nil {
		if err := b.AfterBurn(device, d.Image, d.Copy); err != nil {
			return fail("burn", err)
		}
	}
	rbDir := b.ReadbackDir
	if rbDir == "" {
		rbDir = filepath.Join(filepath.Dir(d.Image), "readback")
	}
	rb := filepath.Join(rbDir, fmt.Sprintf("%s.copy%d.iso", d.Label, d.Copy))
	got, err := b.readBack(ctx, device, rb, d.ImageBytes)
	if err != nil {
		return fail("readback", fmt.Errorf("read back: %w", err))
	}
	r.SHA256 = hexsum(got)
	ver, err := b.verify(ctx, d, rb, got)
	if err != nil {
		return fail("verify", err)
	}
	r.Method, r.Time, r.Findings = ver.Method, ver.Time, ver.Findings
	if err := b.Journal.AddVerification(ctx, d.Label, ver); err != nil {
		return fail("verify", fmt.Errorf("record verification of %s: %w", d, err))
	}
	if !ver.OK {
		reason := "verification failed"
		if len(ver.Findings) > 0 {
			reason = ver.Findings[0]
		}
		return r, &DiscError{Step: "verify", Err: errors.New(reason)}
	}
	os.Remove(rb)
	r.State = DiscVerified
	return r, nil
}

// readBack reads the image's sectors from device into the file rb and
// returns their SHA-256.
func (b *Burner) readBack(ctx context.Context, device, rb string, bytes int64) ([32]byte, error) {
	var sum [32]byte
	if err := os.MkdirAll(filepath.Dir(rb), 0o755); err != nil {
		return sum, err
	}
	f, err := os.Create(rb)
	if err != nil {
		return sum, err
	}
	readBack := b.ReadBack
	if readBack == nil {
		readBack = media.ReadBack
	}
	h := sha256.New()
	sectors := (bytes + media.SectorSize - 1) / media.SectorSize
	err = readBack(ctx, device, sectors, io.MultiWriter(f, h))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	copy(sum[:], h.Sum(nil))
	return sum, err
}

// verify checks the read-back rb deeply against the journal (alone: the
// set's other volumes are on other discs) and returns the verification to
// record. The error is non-nil only when verification could not run.
func (b *Burner) verify(ctx context.Context, d DiscCopy, rb string, got [32]byte) (journal.Verification, error) {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	rep, err := sealing.Verify(ctx, []string{rb}, sealing.VerifyOptions{Journal: b.Journal, Signer: b.Signer, Partial: true, Now: b.Now, Progress: b.Progress})
	if err != nil {
		return journal.Verification{}, err
	}
	ver := journal.Verification{Time: now().UTC(), Copy: d.ID(), Kind: DiscKind, ImageSHA256: got, Method: "hash"}
	if hexsum(got) != d.ImageSHA256 {
		ver.Findings = append(ver.Findings, fmt.Sprintf("read back SHA-256 %s differs from the image's %s", hexsum(got), d.ImageSHA256))
	}
	if len(rep.Volumes) == 1 {
		v := rep.Volumes[0]
		ver.Method = v.Method
		if v.Label != d.Label {
			ver.Findings = append(ver.Findings, fmt.Sprintf("the disc holds volume %q, not %s", v.Label, d.Label))
		}
		if v.Method != "deep" {
			ver.Findings = append(ver.Findings, "not verified deeply (method "+v.Method+")")
		}
		for _, f := range v.Findings {
			ver.Findings = append(ver.Findings, f.String())
		}
	}
	for _, f := range rep.Findings {
		ver.Findings = append(ver.Findings, f.String())
	}
	ver.OK = len(ver.Findings) == 0 && len(rep.Volumes) == 1
	return ver, nil
}

// eject opens the drive's tray, whatever became of the disc; a failure to
// eject is harmless (the next burn finds the disc written and asks for
// another).
func (b *Burner) eject(device string) {
	eject := b.Eject
	if eject == nil {
		eject = media.Eject
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = eject(ctx, device)
}

// FileSHA256 is the SHA-256 of the whole file at p.
func FileSHA256(p string) ([32]byte, error) {
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

// discDone returns the OK verification recorded for copy n of v, if its
// latest verification is an OK deep one of the image as sealed.
func discDone(v journal.Volume, n int) (journal.Verification, bool) {
	id := DiscCopyID(v.Label, n)
	var last journal.Verification
	found := false
	for _, ver := range v.Verifications {
		if ver.Copy == id {
			last, found = ver, true
		}
	}
	return last, found && last.OK && last.Kind == DiscKind && last.Method == "deep" && last.ImageSHA256 == v.ImageSHA256
}
