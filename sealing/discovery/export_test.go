package discovery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/pgp"
)

const label = "ACME_202611_V01OF01"

var testMessages = []string{
	"From: Alice <alice@outside.example>\r\nTo: custodian@acme.example\r\nSubject: falcon budget\r\n" +
		"Message-ID: <m1@outside.example>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\n" +
		"Project falcon numbers.\r\nFrom here on we plan.\r\n>From quoted already\r\n",
	"From: mallory@outside.example\r\nTo: custodian@acme.example\r\nSubject: ../../../../tmp/evil falcon\r\n" +
		"Message-ID: <../../etc/passwd>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--B\r\nContent-Type: application/octet-stream; name=\"../../../escape.sh\"\r\n" +
		"Content-Disposition: attachment; filename=\"../../../escape.sh\"\r\n\r\n#!/bin/sh\r\n" +
		"--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"/etc/cron.d/evil\"\r\n\r\nx\r\n--B--\r\n",
	"From: =cmd|' /C calc'!A0 <formula@outside.example>\r\nTo: custodian@acme.example\r\n" +
		"Subject: =HYPERLINK(\"http://evil.example\",\"falcon\")\r\nMessage-ID: <+sum@outside.example>\r\n\r\nformula\r\n",
	"From: bob@outside.example\r\nTo: custodian@acme.example\r\nSubject: falcon tail\r\n\r\nno newline at the end",
	"From: carol@outside.example\r\nTo: custodian@acme.example\r\nSubject: odd \x00 bytes\xff falcon\r\n" +
		"Message-ID: <nul@outside.example>\r\n\r\nbinary \x00\x01\xfe body\r\nFrom the start\r\n",
}

// fixture: five messages for acme, 1–3 sealed and released into one image.
func newFixture(t *testing.T) (*env, string) {
	e := newEnv(t)
	for _, m := range testMessages {
		e.ingest(m)
	}
	img := e.seal(t.TempDir(), label, []uint64{1, 2, 3}, nil)
	return e, img
}

func TestExportFromJournalAndImages(t *testing.T) {
	e, img := newFixture(t)
	ctx := context.Background()
	for seq := uint64(1); seq <= 5; seq++ {
		m, _ := e.j.Message(ctx, "acme", seq)
		if want := seq > 3; m.HasBody != want {
			t.Fatalf("seq %d HasBody = %v, want %v (fixture not released as planned)", seq, m.HasBody, want)
		}
	}
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	p, err := Export(ctx, e.j, e.cat, catalog.Query{Tenant: "acme"}, ExportOptions{
		Media: []string{img}, Keys: e.tenant.sec, Out: out, Signer: e.archive.sec[0], Actor: "test",
	})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if p.Matched != 5 || p.Produced != 5 || len(p.Failures) != 0 {
		t.Fatalf("Production = %+v", p)
	}
	wantFiles := []string{"000001.eml", "000002.eml", "000003.eml", "000004.eml", "000005.eml", CSVFile, SigFile}
	if got := listTree(t, parent); !reflect.DeepEqual(got, prefixed("out/", wantFiles)) {
		t.Fatalf("files under the parent of --out = %v, want %v", got, prefixed("out/", wantFiles))
	}
	for i := 1; i <= 5; i++ {
		got, _ := os.ReadFile(filepath.Join(out, fmt.Sprintf("%06d.eml", i)))
		if !bytes.Equal(got, e.raw[uint64(i)]) {
			t.Errorf("%06d.eml differs from the original message %d", i, i)
		}
	}
	rows := readCSV(t, filepath.Join(out, CSVFile))
	if h := strings.Join(rows[0][:8], ","); h != "production_number,sha256,message_id,date,from,to,subject,source" {
		t.Fatalf("CSV header = %q", h)
	}
	if len(rows) != 6 {
		t.Fatalf("CSV has %d rows, want header + 5", len(rows))
	}
	for i, r := range rows[1:] {
		seq := uint64(i + 1)
		sum := sha256.Sum256(e.raw[seq])
		wantSrc := "journal"
		if seq <= 3 {
			wantSrc = fmt.Sprintf("%s:MSG/0000000/%010d.PGP", label, seq)
		}
		if r[0] != fmt.Sprint(seq) || r[1] != hex.EncodeToString(sum[:]) || r[7] != wantSrc || r[col(t, rows[0], "file")] != fmt.Sprintf("%06d.eml", seq) {
			t.Errorf("CSV row %d = %q; want number %d, sha256 %x, source %s", seq, r, seq, sum, wantSrc)
		}
	}
	if r := rows[3]; !strings.HasPrefix(r[6], "'=") || !strings.HasPrefix(r[4], "'=") || !strings.HasPrefix(r[2], "'+") {
		t.Errorf("formula cells not neutralised: subject %q from %q message_id %q", r[6], r[4], r[2])
	}
	csvBytes, _ := os.ReadFile(filepath.Join(out, CSVFile))
	sig, _ := os.ReadFile(filepath.Join(out, SigFile))
	if _, err := pgp.VerifyDetached(e.archive.pub, bytes.NewReader(csvBytes), bytes.NewReader(sig)); err != nil {
		t.Errorf("production.csv.asc does not verify: %v", err)
	}
	tampered := bytes.Replace(csvBytes, []byte("journal"), []byte("journaL"), 1)
	if _, err := pgp.VerifyDetached(e.archive.pub, bytes.NewReader(tampered), bytes.NewReader(sig)); err == nil {
		t.Error("signature verifies over an altered production.csv")
	}

	// never overwrites: a second export into the same directory is refused
	// and leaves every file as it was
	before := snapshot(t, out)
	_, err = Export(ctx, e.j, e.cat, catalog.Query{Tenant: "acme"}, ExportOptions{
		Media: []string{img}, Keys: e.tenant.sec, Out: out, Signer: e.archive.sec[0],
	})
	if !errors.Is(err, ErrOutNotEmpty) {
		t.Fatalf("second Export into %s: err = %v, want ErrOutNotEmpty", out, err)
	}
	if after := snapshot(t, out); !reflect.DeepEqual(before, after) {
		t.Fatal("a refused export changed the production")
	}
}

func TestExportNamesMissingVolumes(t *testing.T) {
	e, _ := newFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	p, err := Export(context.Background(), e.j, e.cat, catalog.Query{Text: "falcon"}, ExportOptions{
		Keys: e.tenant.sec, Out: out, Signer: e.archive.sec[0],
	})
	var inc *IncompleteError
	if !errors.As(err, &inc) {
		t.Fatalf("Export without media: err = %v, want *IncompleteError", err)
	}
	if want := []MissingVolume{{Label: label, Messages: 3}}; !reflect.DeepEqual(inc.Missing, want) {
		t.Errorf("Missing = %+v, want %+v", inc.Missing, want)
	}
	if !strings.Contains(err.Error(), label) {
		t.Errorf("error %q does not name the volume", err)
	}
	if p.Produced != 2 || len(p.Failures) != 3 {
		t.Fatalf("Production = %+v", p)
	}
	for i, seq := range []uint64{4, 5} {
		got, _ := os.ReadFile(filepath.Join(out, fmt.Sprintf("%06d.eml", i+1)))
		if !bytes.Equal(got, e.raw[seq]) {
			t.Errorf("%06d.eml is not message %d", i+1, seq)
		}
	}
	if rows := readCSV(t, filepath.Join(out, CSVFile)); len(rows) != 3 {
		t.Errorf("CSV rows = %d, want header + 2", len(rows))
	}
	// incomplete: never signed, and INCOMPLETE.txt says what is missing
	if _, err := os.Stat(filepath.Join(out, SigFile)); !errors.Is(err, fs.ErrNotExist) || p.Signed || !p.Incomplete {
		t.Errorf("incomplete production: %s stat %v, Signed %v, Incomplete %v; want no signature", SigFile, err, p.Signed, p.Incomplete)
	}
	inc2, _ := os.ReadFile(filepath.Join(out, IncompleteFile))
	for _, want := range []string{"INCOMPLETE PRODUCTION: 2 of 5", label + ": 3 message(s)", "acme/1 " + label, "acme/3 " + label, "NOT signed"} {
		if !strings.Contains(string(inc2), want) {
			t.Errorf("%s lacks %q:\n%s", IncompleteFile, want, inc2)
		}
	}
}

func TestExportWrongKeyProducesNothingFromDisc(t *testing.T) {
	e, img := newFixture(t)
	other := genKeys(t, "other")
	out := filepath.Join(t.TempDir(), "out")
	p, err := Export(context.Background(), e.j, e.cat, catalog.Query{Tenant: "acme"}, ExportOptions{
		Media: []string{img}, Keys: other.sec, Out: out, Signer: e.archive.sec[0],
	})
	var inc *IncompleteError
	if !errors.As(err, &inc) || len(inc.Failures) != 3 || len(inc.Missing) != 0 || p.Produced != 2 {
		t.Fatalf("Export with a wrong key: %+v, %v", p, err)
	}
	if got := listTree(t, out); !reflect.DeepEqual(got, []string{"000001.eml", "000002.eml", IncompleteFile, CSVFile}) {
		t.Errorf("files = %v, want no signature and %s", got, IncompleteFile)
	}
	need := KeyID(pgp.Fingerprint(e.tenant.sec[0]))
	b, _ := os.ReadFile(filepath.Join(out, IncompleteFile))
	named := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "  acme/") && strings.Contains(line, need) {
			named++
		}
	}
	if named != 3 {
		t.Errorf("%s names the needed key ID %s for %d messages, want 3:\n%s", IncompleteFile, need, named, b)
	}
}

// The case: nothing could be produced. production.csv holds only
// its header and must not look like a complete, signed production.
func TestExportNothingProducedIsMarkedIncomplete(t *testing.T) {
	e, img := newFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	p, err := Export(context.Background(), e.j, e.cat, catalog.Query{Subject: "budget"}, ExportOptions{
		Media: []string{img}, Keys: genKeys(t, "other").sec, Out: out, Signer: e.archive.sec[0],
	})
	var inc *IncompleteError
	if !errors.As(err, &inc) || p.Matched != 1 || p.Produced != 0 {
		t.Fatalf("Export: %+v, %v", p, err)
	}
	if got := listTree(t, out); !reflect.DeepEqual(got, []string{IncompleteFile, CSVFile}) {
		t.Errorf("files = %v, want %s and %s only", got, IncompleteFile, CSVFile)
	}
	if rows := readCSV(t, filepath.Join(out, CSVFile)); len(rows) != 1 {
		t.Errorf("production.csv rows = %d, want the header only", len(rows))
	}
}

// A recovery machine without the archive secret key: NoSign writes a
// complete production without production.csv.asc; without NoSign or a
// signer, Export refuses before writing anything.
func TestExportNoSign(t *testing.T) {
	e, img := newFixture(t)
	parent := t.TempDir()
	out := filepath.Join(parent, "refused")
	if _, err := Export(context.Background(), e.j, e.cat, catalog.Query{}, ExportOptions{Media: []string{img}, Keys: e.tenant.sec, Out: out}); !errors.Is(err, ErrNoSigner) {
		t.Fatalf("no signer: err = %v, want ErrNoSigner", err)
	}
	if got := listTree(t, parent); len(got) != 0 {
		t.Fatalf("refused export wrote %v", got)
	}
	out = filepath.Join(parent, "unsigned")
	p, err := Export(context.Background(), e.j, e.cat, catalog.Query{}, ExportOptions{Media: []string{img}, Keys: e.tenant.sec, Out: out, NoSign: true})
	if err != nil || p.Produced != 5 || p.Signed || p.Incomplete {
		t.Fatalf("NoSign export: %+v, %v", p, err)
	}
	want := []string{"000001.eml", "000002.eml", "000003.eml", "000004.eml", "000005.eml", CSVFile}
	if got := listTree(t, out); !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
}

func TestExportMboxrd(t *testing.T) {
	e, img := newFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	p, err := Export(context.Background(), e.j, e.cat, catalog.Query{}, ExportOptions{
		Media: []string{img}, Keys: e.tenant.sec, Out: out, Signer: e.archive.sec[0], Format: FormatMbox,
	})
	if err != nil || p.Produced != 5 {
		t.Fatalf("Export mbox: %+v, %v", p, err)
	}
	if got := listTree(t, out); !reflect.DeepEqual(got, []string{CSVFile, SigFile, MboxFile}) {
		t.Fatalf("files = %v", got)
	}
	b, _ := os.ReadFile(filepath.Join(out, MboxFile))
	msgs := splitMboxrd(b)
	if len(msgs) != 5 {
		t.Fatalf("mbox holds %d messages, want 5", len(msgs))
	}
	for i, m := range msgs {
		want := e.raw[uint64(i+1)]
		if !bytes.HasSuffix(want, []byte("\n")) {
			want = append(append([]byte(nil), want...), '\n')
		}
		if !bytes.Equal(m, want) {
			t.Errorf("mbox message %d = %q, want %q", i+1, m, want)
		}
	}
}

// splitMboxrd is an independent mboxrd reader: separator lines start with
// "From ", one '>' is removed from lines matching ^>+From , and the blank
// line before each separator belongs to the format.
func splitMboxrd(b []byte) [][]byte {
	var out [][]byte
	var cur []byte
	lines := bytes.SplitAfter(b, []byte("\n"))
	for _, l := range lines {
		if bytes.HasPrefix(l, []byte("From ")) {
			if cur != nil {
				out = append(out, bytes.TrimSuffix(cur, []byte("\n")))
			}
			cur = []byte{}
			continue
		}
		if t := bytes.TrimLeft(l, ">"); len(t) < len(l) && bytes.HasPrefix(t, []byte("From ")) {
			l = l[1:]
		}
		cur = append(cur, l...)
	}
	if cur != nil {
		out = append(out, bytes.TrimSuffix(cur, []byte("\n")))
	}
	return out
}

func TestSearchSameBeforeAndAfterRelease(t *testing.T) {
	e := newEnv(t)
	for _, m := range testMessages {
		e.ingest(m)
	}
	ctx := context.Background()
	queries := []catalog.Query{
		{Text: "falcon"}, {Subject: "evil"}, {Text: "escape.sh"}, {MessageID: "nul@outside.example"},
		{From: []string{"alice@outside.example"}}, {Text: `"project falcon numbers"`},
	}
	before := map[int][]uint64{}
	for i, q := range queries {
		before[i] = searchSeqs(t, e.cat, q)
		if len(before[i]) == 0 {
			t.Fatalf("query %+v matches nothing before sealing", q)
		}
	}
	e.seal(t.TempDir(), label, []uint64{1, 2, 3, 4, 5}, nil)
	for i, q := range queries {
		if got := searchSeqs(t, e.cat, q); !reflect.DeepEqual(got, before[i]) {
			t.Errorf("query %+v after release = %v, before = %v", q, got, before[i])
		}
	}
	ms, _ := e.cat.Search(ctx, catalog.Query{Text: "falcon"})
	for _, m := range ms {
		if m.State != journal.Released || m.HasBody || m.Volume != label || m.Path == "" {
			t.Errorf("search result %d: state %s body %v volume %q path %q", m.Seq, m.State, m.HasBody, m.Volume, m.Path)
		}
	}
}

func searchSeqs(t *testing.T, c *catalog.Catalog, q catalog.Query) []uint64 {
	t.Helper()
	ms, err := c.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := []uint64{}
	for _, m := range ms {
		out = append(out, m.Seq)
	}
	return out
}

func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	sort.Strings(out)
	return out
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, n := range listTree(t, dir) {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		m[n] = fmt.Sprintf("%x", sha256.Sum256(b))
	}
	return m
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// col returns the index of column name in header.
func col(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("production.csv has no column %q: %q", name, header)
	return -1
}
