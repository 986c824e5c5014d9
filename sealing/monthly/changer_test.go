package monthly

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/media"
)

// statusScript is a fake drive status source: it answers the states in
// order, then the last one for ever.
type statusScript struct {
	states  []media.MediumState
	queries int
	err     error
}

func (s *statusScript) status(_ context.Context, dev string) (media.MediumStatus, error) {
	if s.err != nil {
		return media.MediumStatus{}, s.err
	}
	st := s.states[min(s.queries, len(s.states)-1)]
	s.queries++
	ms := media.MediumStatus{State: st}
	if st == media.MediumWritten {
		ms.Media, ms.Status = "CD-R", "is written , is closed"
	}
	return ms, nil
}

var disc = DiscCopy{Label: "ACME_202612_V02OF03", Copy: 2, Copies: 2}

func TestChangerPromptsAndWaitsForBlank(t *testing.T) {
	s := &statusScript{states: []media.MediumState{media.MediumAbsent, media.MediumAbsent, media.MediumWritten, media.MediumWritten, media.MediumAbsent, media.MediumBlank}}
	var got []DiscPrompt
	c := &Changer{Status: s.status, Interactive: true, Poll: time.Microsecond, Prompt: func(p DiscPrompt) { got = append(got, p) }}
	if err := c.WaitBlank(context.Background(), "/dev/sr0", disc); err != nil {
		t.Fatal(err)
	}
	if s.queries != 6 {
		t.Errorf("%d status queries, want 6 (it polls until the disc is blank)", s.queries)
	}
	// one prompt per change of what the drive holds, not one per poll
	want := []string{
		"insert blank disc for ACME_202612_V02OF03 copy 2 in /dev/sr0",
		"the disc in /dev/sr0 is not blank (written disc (CD-R, is written , is closed)): remove it and insert blank disc for ACME_202612_V02OF03 copy 2 in /dev/sr0",
		"insert blank disc for ACME_202612_V02OF03 copy 2 in /dev/sr0",
	}
	if len(got) != len(want) {
		t.Fatalf("prompts %+v, want %q", got, want)
	}
	for i, p := range got {
		if p.Message != want[i] || p.Label != disc.Label || p.Copy != 2 || p.Device != "/dev/sr0" {
			t.Errorf("prompt %d: %+v, want message %q", i, p, want[i])
		}
	}
	if got[1].Holds != "written disc (CD-R, is written , is closed)" {
		t.Errorf("holds %q", got[1].Holds)
	}
}

func TestChangerBlankAtOnceAsksNothing(t *testing.T) {
	s := &statusScript{states: []media.MediumState{media.MediumBlank}}
	c := &Changer{Status: s.status, Interactive: true, Prompt: func(p DiscPrompt) { t.Errorf("prompted %+v", p) }}
	if err := c.WaitBlank(context.Background(), "/dev/sr0", disc); err != nil || s.queries != 1 {
		t.Fatalf("WaitBlank = %v after %d queries", err, s.queries)
	}
}

// Not interactive (stdin no terminal): no hanging; the error names the
// disc to insert.
func TestChangerNotInteractiveFailsNamingTheDisc(t *testing.T) {
	for _, st := range []media.MediumState{media.MediumAbsent, media.MediumWritten, media.MediumUnknown} {
		s := &statusScript{states: []media.MediumState{st}}
		c := &Changer{Status: s.status, Prompt: func(p DiscPrompt) { t.Errorf("prompted %+v", p) }}
		err := c.WaitBlank(context.Background(), "/dev/sr0", disc)
		var nb *NoBlankDiscError
		if !errors.Is(err, ErrNoBlankDisc) || !errors.As(err, &nb) || nb.Medium.State != st {
			t.Fatalf("%v: WaitBlank = %v, want a NoBlankDiscError", st, err)
		}
		if !strings.HasSuffix(err.Error(), ": insert blank disc for ACME_202612_V02OF03 copy 2 in /dev/sr0") || s.queries != 1 {
			t.Errorf("%v: %q after %d queries", st, err, s.queries)
		}
	}
}

func TestChangerWaitEndsWithContext(t *testing.T) {
	s := &statusScript{states: []media.MediumState{media.MediumAbsent}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	status := func(ctx context.Context, dev string) (media.MediumStatus, error) {
		if s.queries == 3 {
			cancel() // the operator pressed ^C while the drive stayed empty
		}
		return s.status(ctx, dev)
	}
	c := &Changer{Status: status, Interactive: true, Poll: time.Millisecond, Prompt: func(DiscPrompt) {}}
	err := c.WaitBlank(ctx, "/dev/sr0", disc)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "insert blank disc for ACME_202612_V02OF03 copy 2") {
		t.Fatalf("WaitBlank = %v, want cancelled, naming the disc", err)
	}
}

func TestChangerStatusError(t *testing.T) {
	s := &statusScript{err: media.ErrNoXorriso}
	c := &Changer{Status: s.status, Interactive: true}
	if err := c.WaitBlank(context.Background(), "/dev/sr0", disc); !errors.Is(err, media.ErrNoXorriso) {
		t.Fatalf("WaitBlank = %v", err)
	}
}

func TestCopyTarget(t *testing.T) {
	for _, c := range []struct{ dev, want string }{
		{"/dev/sr0", "/dev/sr0"},
		{"stdio:/x/drive-a.img", "stdio:/x/drive-a.img"},
		{"stdio:/x/discs/", "stdio:/x/discs/ACME_202612_V02OF03-copy2.iso"},
	} {
		if got := CopyTarget(c.dev, "ACME_202612_V02OF03", 2); got != c.want {
			t.Errorf("CopyTarget(%q) = %q, want %q", c.dev, got, c.want)
		}
	}
}
