package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// MediumState is what a drive holds, as far as burning is concerned.
type MediumState int

const (
	// MediumUnknown: the drive answered, but not in a way ParseMediumStatus
	// understands. Nothing is burned on it.
	MediumUnknown MediumState = iota
	// MediumAbsent: no disc, the tray is open, or the drive is not ready.
	MediumAbsent
	// MediumBlank: a blank disc (for a stdio: pseudo-drive, a file that is
	// missing or empty): ready to burn.
	MediumBlank
	// MediumWritten: a disc (or file) holding data, closed or appendable.
	// It is never burned over: Burn's blank=as_needed would blank a
	// rewritable one.
	MediumWritten
)

func (s MediumState) String() string {
	switch s {
	case MediumAbsent:
		return "no disc"
	case MediumBlank:
		return "blank disc"
	case MediumWritten:
		return "written disc"
	}
	return "unknown medium"
}

// MediumStatus is a drive's medium as xorriso -toc reports it.
type MediumStatus struct {
	State  MediumState
	Media  string // xorriso's "Media current:" text: "CD-R", "DVD+RW", "stdio file, overwriteable"; "" if absent
	Status string // xorriso's "Media status :" text: "is blank", "is written , is closed", …
}

// String is "blank disc (CD-R)", "written disc (DVD+RW, is written , is closed)", "no disc".
func (s MediumStatus) String() string {
	var d []string
	if s.Media != "" && s.State != MediumAbsent {
		d = append(d, s.Media)
	}
	if s.Status != "" && s.State != MediumBlank && !strings.Contains(s.Status, "not present") {
		d = append(d, s.Status)
	}
	if len(d) == 0 {
		return s.State.String()
	}
	return s.State.String() + " (" + strings.Join(d, ", ") + ")"
}

// ErrMediumStatus is returned (wrapped, with xorriso's last lines) by
// QueryMedium when xorriso cannot acquire the drive or its answer has no
// "Media status" line.
var ErrMediumStatus = errors.New("cannot read the drive's medium status")

// ParseMediumStatus reads the result lines of xorriso -toc (its standard
// output; the same lines are accepted among its messages):
//
//	Media current: CD-R
//	Media status : is blank
//
// "is blank" is MediumBlank; "is written" (with "is closed" or
// "is appendable") is MediumWritten; "is not present" in either line, or
// "no media"/"no medium" anywhere, is MediumAbsent. The first "Media
// status" line decides; without one it returns ErrMediumStatus.
func ParseMediumStatus(out string) (MediumStatus, error) {
	var st MediumStatus
	seen := false
	for _, line := range strings.Split(out, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "Media current":
			if st.Media == "" {
				st.Media = val
			}
		case "Media status":
			if !seen {
				st.Status, seen = val, true
			}
		}
	}
	low := strings.ToLower(out)
	switch {
	case strings.Contains(strings.ToLower(st.Media), "is not present"), strings.Contains(strings.ToLower(st.Status), "is not present"),
		strings.Contains(low, "no media"), strings.Contains(low, "no medium"), strings.Contains(low, "medium not present"):
		st.State, st.Media = MediumAbsent, ""
		return st, nil
	case !seen:
		return st, ErrMediumStatus
	case strings.HasPrefix(st.Status, "is blank"):
		st.State = MediumBlank
	case strings.HasPrefix(st.Status, "is written"):
		st.State = MediumWritten
	}
	return st, nil
}

// QueryMedium asks xorriso what device holds (xorriso -outdev DEVICE -toc;
// read-only: it writes nothing, and does not create a stdio: file). On
// Linux a block device is first asked with the CDROM_DRIVE_STATUS ioctl,
// which does not close an open tray (xorriso's drive acquisition does):
// an open tray or an empty drive is MediumAbsent without running xorriso.
// A stdio: path that does not exist is MediumBlank; one whose directory
// does not exist is an error. Errors: ErrNoXorriso, ErrMediumStatus.
func QueryMedium(ctx context.Context, device string) (MediumStatus, error) {
	if st, ok := trayStatus(device); ok {
		return st, nil
	}
	bin, err := exec.LookPath("xorriso")
	if err != nil {
		return MediumStatus{}, ErrNoXorriso
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-outdev", device, "-toc")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return MediumStatus{}, fmt.Errorf("media: medium status of %s: %w", device, ctx.Err())
	}
	st, err := ParseMediumStatus(stdout.String())
	if err != nil || st.State == MediumUnknown {
		// an empty drive may be reported only among the messages
		if st2, err2 := ParseMediumStatus(stderr.String()); err2 == nil && st2.State == MediumAbsent {
			return st2, nil
		}
	}
	if err != nil {
		return st, fmt.Errorf("media: medium status of %s: %w: %v\n%s", device, ErrMediumStatus, runErr, lastLines(stderr.String(), 5))
	}
	return st, nil
}

// Eject opens the tray of a drive (xorriso -outdev DEVICE -eject all), so
// that the operator takes the burned disc and inserts the next. A stdio:
// pseudo-drive has no tray: Eject does nothing.
func Eject(ctx context.Context, device string) error {
	if strings.HasPrefix(device, "stdio:") {
		return nil
	}
	bin, err := exec.LookPath("xorriso")
	if err != nil {
		return ErrNoXorriso
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-outdev", device, "-eject", "all")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("media: eject %s: %w\n%s", device, err, lastLines(out.String(), 5))
	}
	return nil
}
