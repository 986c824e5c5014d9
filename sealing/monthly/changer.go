package monthly

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/archiver/archiver/media"
)

// DefaultPoll is how often a Changer asks a drive for its medium while
// waiting for a blank disc.
const DefaultPoll = 3 * time.Second

// ErrNoBlankDisc: a burn needs a blank disc, the drive holds none, and no
// one can be asked to insert one (the run is not interactive). Returned
// wrapped in a *NoBlankDiscError.
var ErrNoBlankDisc = errors.New("no blank disc")

// NoBlankDiscError names the disc to insert: which volume copy, in which
// drive, and what the drive holds instead.
type NoBlankDiscError struct {
	Disc   DiscCopy
	Device string
	Medium media.MediumStatus
}

func (e *NoBlankDiscError) Error() string {
	return fmt.Sprintf("%v in %s (it holds: %s): %s", ErrNoBlankDisc, e.Device, e.Medium, InsertText(e.Disc, e.Device))
}

func (e *NoBlankDiscError) Unwrap() error { return ErrNoBlankDisc }

// InsertText is the request to the operator:
// "insert blank disc for ACME_202612_V02OF03 copy 2 in /dev/sr0".
func InsertText(d DiscCopy, device string) string {
	return fmt.Sprintf("insert blank disc for %s copy %d in %s", d.Label, d.Copy, device)
}

// DiscPrompt asks the operator for a disc change; with --json it is the
// "insert_disc" event.
type DiscPrompt struct {
	Label   string `json:"label"`
	Copy    int    `json:"copy"`   // 1-based
	Copies  int    `json:"copies"` // copies of the volume in all
	Device  string `json:"device"`
	Holds   string `json:"holds"` // what the drive holds now: "no disc", "written disc (CD-R, is written , is closed)"
	Message string `json:"message"`
}

// Changer gets a blank disc into a drive before each burn. It asks the
// drive for its medium (Status); while the drive holds no blank disc it
// either prompts (Prompt) and polls every Poll until one is there or ctx
// ends (Interactive), or fails at once with *NoBlankDiscError. A written
// disc is never burned over.
type Changer struct {
	Status      func(ctx context.Context, device string) (media.MediumStatus, error) // nil: media.QueryMedium
	Interactive bool                                                                 // an operator can insert a disc: prompt and wait
	Poll        time.Duration                                                        // between queries while waiting; 0: DefaultPoll
	// Prompt shows a DiscPrompt: when the wait starts, and again each
	// time the drive's medium changes without becoming blank (a written
	// disc was inserted). nil: none.
	Prompt func(DiscPrompt)
}

// WaitBlank returns nil once device holds a blank disc for d. Errors: a
// *NoBlankDiscError (not Interactive), ctx's error, or Status's.
func (c *Changer) WaitBlank(ctx context.Context, device string, d DiscCopy) error {
	status := c.Status
	if status == nil {
		status = media.QueryMedium
	}
	poll := c.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	prompted := media.MediumState(-1)
	for {
		st, err := status(ctx, device)
		if err != nil {
			return fmt.Errorf("drive %s: %w", device, err)
		}
		if st.State == media.MediumBlank {
			return nil
		}
		if !c.Interactive {
			return &NoBlankDiscError{Disc: d, Device: device, Medium: st}
		}
		if st.State != prompted && c.Prompt != nil {
			msg := InsertText(d, device)
			if st.State == media.MediumWritten || st.State == media.MediumUnknown {
				msg = fmt.Sprintf("the disc in %s is not blank (%s): remove it and %s", device, st, msg)
			}
			c.Prompt(DiscPrompt{Label: d.Label, Copy: d.Copy, Copies: d.Copies, Device: device, Holds: st.String(), Message: msg})
		}
		prompted = st.State
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for %s: %w", InsertText(d, device), ctx.Err())
		case <-t.C:
		}
	}
}
