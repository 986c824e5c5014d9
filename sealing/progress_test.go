package sealing

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// stepLog is a Progress that records each step: its name, total, the sum
// of what add received, and how often end ran.
type stepLog struct {
	mu    sync.Mutex
	steps []*loggedStep
}

type loggedStep struct {
	name        string
	total, done int64
	ends        int
}

func (l *stepLog) progress(step string, total int64) (func(int64), func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &loggedStep{name: step, total: total}
	l.steps = append(l.steps, s)
	return func(n int64) { l.mu.Lock(); s.done += n; l.mu.Unlock() },
		func() { l.mu.Lock(); s.ends++; l.mu.Unlock() }
}

// String lists the steps as "name done/total ends".
func (l *stepLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, s := range l.steps {
		fmt.Fprintf(&b, "%s %d/%d end %d\n", s.name, s.done, s.total, s.ends)
	}
	return b.String()
}

// TestProgressSteps: Seal and a deep Verify report each long step to
// Progress by name, with its total (messages or bytes), increments that
// add up to the total, and one end.
func TestProgressSteps(t *testing.T) {
	f := newFixture(t)
	f.ingest(7, 3000)
	var seal, verify stepLog
	o := f.opts("dvd5")
	o.Progress = seal.progress
	res, err := Seal(f.ctx, f.j, o)
	if err != nil {
		t.Fatal(err)
	}
	label, iso := res.Images[0].Label, filepath.Base(res.Images[0].Path)
	rep, err := Verify(f.ctx, []string{res.Images[0].Path}, VerifyOptions{Signer: f.signPub, Journal: f.j, Progress: verify.progress})
	if err != nil || !rep.OK {
		t.Fatalf("verify: %v %s", err, checks(rep))
	}
	for _, c := range []struct {
		log   *stepLog
		steps []string
	}{
		{&seal, []string{"encrypting", "writing " + iso}},
		{&verify, []string{"reading image " + label, "hashing " + label, "decrypting " + label}},
	} {
		got := c.log.String()
		for _, name := range c.steps {
			if !strings.Contains(got, name+" ") {
				t.Errorf("no step %q in:\n%s", name, got)
			}
		}
		for _, s := range c.log.steps {
			if s.total <= 0 || s.done != s.total || s.ends != 1 {
				t.Errorf("step %s: %d of %d done, %d ends; want all of a positive total, 1 end\n%s", s.name, s.done, s.total, s.ends, got)
			}
			if strings.HasPrefix(s.name, "encrypting") || strings.HasPrefix(s.name, "decrypting") {
				if s.total != 7 {
					t.Errorf("step %s: total %d, want 7 messages", s.name, s.total)
				}
			}
		}
	}
}
