package catalog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/archiver/archiver/internal/testtool"
	"github.com/archiver/archiver/journal"
)

// This file checks known-answer searches over the Enron part of the shared
// corpus. The expected sets are computed here from the raw bytes with
// regular expressions (and the standard library's quoted-printable
// decoder), without journal/mailparse, go-message or net/mail.

// rawMsg is one corpus file as the test reads it independently.
type rawMsg struct {
	path    string
	seq     uint64
	from    string // lower-cased From header
	date    time.Time
	subject string
	msgID   string
	text    string // subject + decoded body
}

var (
	reField = func(name string) *regexp.Regexp {
		return regexp.MustCompile(`(?im)^` + name + `:[ \t]*(.*(?:\r?\n[ \t].*)*)`)
	}
	reFrom    = reField("From")
	reDate    = reField("Date")
	reSubject = reField("Subject")
	reMsgID   = reField("Message-ID")
	reCTE     = reField("Content-Transfer-Encoding")
	reUnfold  = regexp.MustCompile(`\r?\n[ \t]+`)
	reTZName  = regexp.MustCompile(`\s*\([A-Za-z ]+\)\s*$`)
)

func field(re *regexp.Regexp, hdr []byte) string {
	m := re.FindSubmatch(hdr)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(reUnfold.ReplaceAllString(string(m[1]), " "))
}

func readRaw(t *testing.T, path string) (rawMsg, []byte) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("\r\n\r\n"))
	j := bytes.Index(b, []byte("\n\n"))
	hdr, body := b, []byte(nil)
	switch {
	case j >= 0 && (i < 0 || j < i):
		hdr, body = b[:j+1], b[j+2:]
	case i >= 0:
		hdr, body = b[:i+2], b[i+4:]
	}
	r := rawMsg{path: path}
	r.from = strings.ToLower(field(reFrom, hdr))
	d := reTZName.ReplaceAllString(field(reDate, hdr), "")
	if dt, err := time.Parse("Mon, 2 Jan 2006 15:04:05 -0700", d); err == nil {
		r.date = dt.UTC()
	}
	r.subject = field(reSubject, hdr)
	r.msgID = strings.Trim(field(reMsgID, hdr), "<>")
	if strings.EqualFold(field(reCTE, hdr), "quoted-printable") {
		if dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			body = dec
		}
	}
	r.text = r.subject + "\n" + string(body)
	return r, b
}

// corpusFixture ingests every Enron message (concurrently, so commits
// share fsyncs) plus one crafted journal report, and opens a catalog.
type corpusFixture struct {
	j      *journal.Journal
	c      *Catalog
	msgs   []rawMsg
	report uint64 // seq of the crafted journal report
}

const hiddenBcc = "hidden.custodian@bcc-only.example"

func journalReportMsg() string {
	orig := "From: insider@report-only.example\r\nTo: team@report-only.example\r\n" +
		"Subject: quarterly numbers\r\nMessage-ID: <report-original@report-only.example>\r\n\r\nzyxwv report original body\r\n"
	return "X-MS-Journal-Report:\r\nFrom: journal@report-only.example\r\nTo: archive@archiver.test\r\n" +
		"Subject: quarterly numbers\r\nContent-Type: multipart/mixed; boundary=\"JR\"\r\n\r\n" +
		"--JR\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"Sender: insider@report-only.example\r\nSubject: quarterly numbers\r\n" +
		"Message-Id: <report-original@report-only.example>\r\n" +
		"To: team@report-only.example\r\nBcc: " + hiddenBcc + "\r\n" +
		"--JR\r\nContent-Type: message/rfc822\r\n\r\n" + orig + "\r\n--JR--\r\n"
}

func newCorpusFixture(t *testing.T) *corpusFixture {
	t.Helper()
	root := filepath.Join(testtool.Corpus(t), "enron", "maildir")
	var paths []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil || len(paths) < 3000 {
		t.Fatalf("corpus: %d files, %v", len(paths), err)
	}
	sort.Strings(paths)
	data := t.TempDir()
	j, err := journal.Open(filepath.Join(data, "journal"), journal.Options{MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ctx := context.Background()
	env := journal.Envelope{RcptTo: []string{"archive@archiver.test"}, Protocol: "ingest"}
	f := &corpusFixture{j: j, msgs: make([]rawMsg, len(paths))}
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r, b := readRaw(t, paths[i])
				st, err := j.Ingest(ctx, env, bytes.NewReader(b))
				if err != nil || len(st) != 1 {
					t.Errorf("ingest %s: %v %v", paths[i], st, err)
					continue
				}
				r.seq = st[0].Seq
				f.msgs[i] = r
			}
		}()
	}
	for i := range paths {
		work <- i
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	st, err := j.Ingest(ctx, env, strings.NewReader(journalReportMsg()))
	if err != nil || len(st) != 1 {
		t.Fatalf("ingest journal report: %v %v", st, err)
	}
	f.report = st[0].Seq
	f.c, err = Open(filepath.Join(data, "catalog"), j)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.c.Close() })
	return f
}

// want returns the sorted distinct seqs of corpus messages matching pred.
func (f *corpusFixture) want(pred func(rawMsg) bool) []uint64 {
	set := map[uint64]bool{}
	for _, m := range f.msgs {
		if pred(m) {
			set[m.seq] = true
		}
	}
	out := []uint64{}
	for s := range set {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (f *corpusFixture) check(t *testing.T, name string, q Query, want []uint64) {
	t.Helper()
	ms, err := f.c.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got := []uint64{}
	for _, m := range ms {
		if m.Tenant != journal.DefaultTenant {
			t.Errorf("%s: tenant %q", name, m.Tenant)
		}
		got = append(got, m.Seq)
	}
	if len(want) == 0 {
		t.Fatalf("%s: the expected set is empty; the test would prove nothing", name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %d messages, want %d\n got  %v\n want %v", name, len(got), len(want), got, want)
	}
}

// wordsRe matches the words in sequence, separated by non-word runs.
func wordsRe(words ...string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)` + strings.Join(words, `[^\pL\pN]+`))
}

// hasWords reports whether s holds the words as whole words in sequence,
// approximating Unicode word boundaries (UAX #29): a word touching another
// letter or digit directly, or through one period or apostrophe (as in "know.doc"
// or "don't"), is part of a longer word.
func hasWords(re *regexp.Regexp, s string) bool {
	for _, loc := range re.FindAllStringIndex(s, -1) {
		if !joined(s[:loc[0]], true) && !joined(s[loc[1]:], false) {
			return true
		}
	}
	return false
}

func joined(side string, before bool) bool {
	r := []rune(side)
	at := func(i int) (rune, bool) {
		if before {
			i = len(r) - 1 - i
		}
		if i < 0 || i >= len(r) {
			return 0, false
		}
		return r[i], true
	}
	c, ok := at(0)
	if !ok {
		return false
	}
	if unicode.IsLetter(c) || unicode.IsDigit(c) {
		return true
	}
	if c == '.' || c == '\'' {
		n, ok := at(1)
		return ok && (unicode.IsLetter(n) || unicode.IsDigit(n))
	}
	return false
}

var (
	octFirst = time.Date(2001, 10, 1, 0, 0, 0, 0, time.UTC)
	novFirst = time.Date(2001, 11, 1, 0, 0, 0, 0, time.UTC)
)

// knownAnswers runs every known-answer search against f.
func knownAnswers(t *testing.T, f *corpusFixture) {
	sender := "kenneth.thibodeaux@enron.com"
	f.check(t, "sender in date range",
		Query{From: []string{"Kenneth.Thibodeaux@Enron.com"}, After: octFirst, Before: novFirst},
		f.want(func(m rawMsg) bool {
			return strings.Contains(m.from, sender) && !m.date.Before(octFirst) && m.date.Before(novFirst)
		}))
	reOutage := wordsRe("outage")
	f.check(t, "subject word", Query{Subject: "OUTAGE"},
		f.want(func(m rawMsg) bool { return hasWords(reOutage, m.subject) }))
	rePhrase := wordsRe("let", "me", "know")
	f.check(t, "body phrase", Query{Text: `"let me know"`},
		f.want(func(m rawMsg) bool { return hasWords(rePhrase, m.text) }))
	id := f.msgs[len(f.msgs)/2].msgID
	f.check(t, "message-id", Query{MessageID: "<" + id + ">"},
		f.want(func(m rawMsg) bool { return m.msgID == id }))
	f.check(t, "bcc only in journal report", Query{To: []string{hiddenBcc}}, []uint64{f.report})
}

func TestCorpusKnownAnswers(t *testing.T) {
	f := newCorpusFixture(t)
	knownAnswers(t, f)
	if t.Failed() {
		return
	}
	// Seal, verify and release everything through the journal's records
	// (the catalog never reads discs), then ask again: the same answers,
	// from metadata and terms indexed at ingest.
	ctx := context.Background()
	held, err := f.c.Held(ctx) // syncs, as the real release does
	if err != nil {
		t.Fatal(err)
	}
	var place []journal.Placement
	err = f.j.Messages(ctx, journal.DefaultTenant, func(m journal.Message) error {
		place = append(place, journal.Placement{Seq: m.Seq, Path: fmt.Sprintf("MSG/%010d.PGP", m.Seq)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const label = "DEFAULT_200111_V01OF01"
	v := journal.Volume{Label: label, Tenant: journal.DefaultTenant, Period: "2001-11", SetID: "S", Index: 1, Count: 1,
		FirstSeq: place[0].Seq, LastSeq: place[len(place)-1].Seq, Placements: place, Sealed: time.Now().UTC()}
	if err := f.j.RecordSealed(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := f.j.AddVerification(ctx, label, journal.Verification{Time: time.Now().UTC(), Copy: "test.iso", Method: "deep", OK: true}); err != nil {
		t.Fatal(err)
	}
	res, err := f.j.Release(ctx, label, journal.ReleaseOptions{Copies: 1, Keep: held, Actor: "test"})
	if err != nil || res.Released != len(place) {
		t.Fatalf("Release: %+v, %v", res, err)
	}
	knownAnswers(t, f)
	ms, err := f.c.Search(ctx, Query{Subject: "outage"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.HasBody || m.Volume != label || m.Path == "" {
			t.Fatalf("after release, %d: HasBody %v, volume %q, path %q", m.Seq, m.HasBody, m.Volume, m.Path)
		}
	}
}
