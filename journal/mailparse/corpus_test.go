package mailparse

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/archiver/archiver/internal/testtool"
)

// TestSummarizeCorpus summarizes every enron and edge file; none may panic,
// and most real messages must yield a Message-ID and a Date.
func TestSummarizeCorpus(t *testing.T) {
	root := testtool.Corpus(t)
	var panics []any
	onPanic := func(p any) { panics = append(panics, p) }
	var files, withID, withDate int
	for _, dir := range []string{"enron", "edge"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			s := summarize(f, onPanic)
			files++
			if s.MessageID != "" {
				withID++
			}
			if !s.Date.IsZero() {
				withDate++
				if s.Date.Location() != time.UTC {
					t.Errorf("%s: date not UTC", p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d files, %d with Message-ID, %d with Date", files, withID, withDate)
	if len(panics) > 0 {
		t.Errorf("Summarize recovered from %d panics, first: %v", len(panics), panics[0])
	}
	if files < 4000 {
		t.Fatalf("only %d corpus files found", files)
	}
	if withID < files*9/10 || withDate < files*9/10 {
		t.Errorf("too few parsed: %d ids, %d dates of %d", withID, withDate, files)
	}
}

// TestSummarizeKnownAnswers checks values read by hand from the raw files.
func TestSummarizeKnownAnswers(t *testing.T) {
	root := testtool.Corpus(t)
	cases := []struct {
		path string
		want Summary
	}{
		{"enron/maildir/allen-p/inbox/47", Summary{
			Date:    time.Date(2001, 11, 19, 23, 49, 53, 0, time.UTC),
			DateRaw: "Mon, 19 Nov 2001 15:49:53 -0800 (PST)", From: "geninfo@state-bank.com",
			Subject: "Internet Banking", MessageID: "2467021.1075862165862.JavaMail.evans@thyme",
		}},
		{"edge/hyperkitty/non-ascii-headers.txt", Summary{
			Date:    time.Date(2012, 7, 10, 11, 29, 44, 0, time.UTC),
			DateRaw: "Tue, 10 Jul 2012 13:29:44 +0200", From: "vondruch at redhat.com (Vít Ondruch)",
			Subject: "[Fedora-packaging] RPM macros", MessageID: "4FFC1228.3060409@redhat.com",
		}},
		{"edge/mikel-mail/emails/error_emails/invalid_subject_characters.eml", Summary{
			// raw bytes \347 \343 are Windows-1252 ç ã
			From:    `"Formação Frenetikpolis" <info@formacaofrenetik.info>`,
			To:      "martin@internet.ao, iris@internet.ao, support@maxnet.ao",
			Subject: "Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro",
		}},
		{"edge/letters/test_japanese_multipart_mixed_iso-2022-jp_over_quoted-printable.txt", Summary{
			Date:    time.Date(2019, 3, 31, 22, 55, 0, 0, time.UTC),
			DateRaw: "Mon, 01 Apr 2019 07:55:00 +0900 (JST)",
			From:    "郵便アリス <alice.yuubin@example.com>, 郵便アリス <alice.yuubin@example.net>",
			To:      "郵便ボブ <bob.yuubin@example.com>, 郵便キャロル <carol.yuubin@example.com>",
			Cc:      "郵便ダン <dan.yuubin@example.com>, 郵便イーブ <eve.yubin@example.com>",
			Subject: "📧 Test いろは歌", MessageID: "Message-Id-1@example.com",
			Attachments: []string{"inline-jpg-image-without-disposition.jpg", "inline-jpg-image-filename.jpg",
				"attached-pdf-filename.pdf", "attached-pdf-without-disposition.pdf", "attached-json-filename.json",
				"attached-text-plain-filename.txt", "attached-text-html-filename.html"},
		}},
	}
	for _, c := range cases {
		f, err := os.Open(filepath.Join(root, c.path))
		if err != nil {
			t.Fatal(err)
		}
		got := Summarize(f)
		f.Close()
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", c.path, got, c.want)
		}
	}
}
