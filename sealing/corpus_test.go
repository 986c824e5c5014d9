package sealing

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/backfill"
)

// TestCorpusSealVerifyRelease journals the whole shared corpus into one
// tenant, seals it onto 4000-sector (8 MiB) volumes, verifies with the
// journal, releases every volume, and reads every message back from the
// images byte-exact.
func TestCorpusSealVerifyRelease(t *testing.T) {
	testtool.Long(t)
	dir := testtool.Corpus(t)
	f := newFixture(t)
	env := journal.Envelope{MailFrom: "archive@acme.example", RcptTo: []string{"journal@acme.example"}, Protocol: "ingest"}
	ingest := func(raw []byte) {
		st, err := f.j.Ingest(f.ctx, env, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		f.raw[st[0].Seq] = raw
	}
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			return err
		}
		files++
		if strings.Contains(p, string(filepath.Separator)+"mbox"+string(filepath.Separator)) {
			return backfill.SplitMbox(bytes.NewReader(b), func(msg []byte, _ int64) error { ingest(append([]byte(nil), msg...)); return nil })
		}
		ingest(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 4000 || len(f.raw) < 3000 {
		t.Fatalf("corpus: %d files, %d distinct messages", files, len(f.raw))
	}
	o := f.opts("4000")
	o.Period = ""
	o.Until = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := Seal(f.ctx, f.j, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) < 3 || res.Messages != len(f.raw) {
		t.Fatalf("%d images, %d of %d messages", len(res.Images), res.Messages, len(f.raw))
	}
	rep := f.verify(true, paths(res)...)
	if !rep.OK {
		t.Fatalf("verify: %s", checks(rep))
	}
	for _, im := range res.Images {
		if _, err := Release(f.ctx, f.j, im.Path, ReleaseOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for seq := range f.raw {
		m, err := f.j.Message(f.ctx, "acme", seq)
		if err != nil || m.State != journal.Released || m.HasBody || m.Volume == "" {
			t.Fatalf("seq %d after release: %+v %v", seq, m.State, err)
		}
		if _, err := f.j.OpenBody(f.ctx, "acme", seq); !errors.Is(err, journal.ErrReleased) {
			t.Fatalf("seq %d body: %v", seq, err)
		}
	}
	n := 0
	for _, p := range paths(res) {
		vr, err := OpenVolume(p)
		if err != nil {
			t.Fatal(err)
		}
		ix, err := vr.Index(f.secret)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ix {
			rc, err := vr.OpenMessage(e.Path, f.secret)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(readAll(t, rc), f.raw[e.Seq]) {
				t.Fatalf("seq %d differs read back from %s", e.Seq, p)
			}
			rc.Close()
			n++
		}
		vr.Close()
	}
	if n != len(f.raw) {
		t.Fatalf("read back %d of %d", n, len(f.raw))
	}
	t.Logf("%d files, %d messages, %d volumes", files, n, len(res.Images))
}
