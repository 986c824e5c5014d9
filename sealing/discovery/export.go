package discovery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/sealing/pgp"
)

// Export writes a production of every message q matches (catalog.Search:
// tenant, then seq order) into opts.Out. A message whose body the journal
// still holds comes from the journal; a released one from the volume whose
// label the catalog records, among opts.Media, decrypted with opts.Keys.
// Every message's bytes must hash to the SHA-256 recorded at ingest, or it
// is not produced. Names in Out come from production numbers only; Out must
// be empty or absent (ErrOutNotEmpty) and no file is ever overwritten.
//
// A complete production is signed: production.csv.asc by opts.Signer
// (ErrNoSigner when it is nil, unless opts.NoSign).
//
// When some matches cannot be produced (missing volume, wrong or no key,
// bad hash), Export still writes the rest and production.csv listing them,
// but marks the production incomplete: IncompleteFile (INCOMPLETE.txt)
// names every missing volume and every message not produced with the
// reason, and production.csv is NOT signed, so an incomplete production
// never looks like a complete, signed one. It returns the Production with
// an *IncompleteError. A hard error (context cancelled, disk full) leaves
// IncompleteFile too, when it can still be written.
func Export(ctx context.Context, j Journal, cat *catalog.Catalog, q catalog.Query, opts ExportOptions) (*Production, error) {
	if opts.Format == "" {
		opts.Format = FormatEML
	}
	if opts.Format != FormatEML && opts.Format != FormatMbox {
		return nil, fmt.Errorf("discovery: format %q: want %q or %q", opts.Format, FormatEML, FormatMbox)
	}
	if opts.Signer == nil && !opts.NoSign {
		return nil, ErrNoSigner
	}
	msgs, err := cat.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	vs, err := openVolumes(opts.Media)
	if err != nil {
		return nil, err
	}
	defer vs.Close()
	out, err := openOut(opts.Out)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	e := &exporter{j: j, vs: vs, out: out, keys: opts.Keys, dec: pgp.NewDecrypter(opts.Keys), p: &Production{Dir: opts.Out, Format: opts.Format, Matched: len(msgs)}}
	if err := e.run(ctx, msgs); err != nil {
		if merr := e.markIncomplete(err); merr != nil {
			err = errors.Join(err, fmt.Errorf("discovery: %s not written: %w", IncompleteFile, merr))
		}
		return e.p, err
	}
	b, err := e.readCSV()
	if err != nil {
		return e.p, err
	}
	e.csvSum = sha256.Sum256(b)
	switch {
	case len(e.p.Failures) > 0:
		if err := e.markIncomplete(nil); err != nil {
			return e.p, err
		}
	case !opts.NoSign:
		if err := e.sign(opts.Signer, b); err != nil {
			return e.p, err
		}
	}
	if err := out.sync(); err != nil {
		return e.p, err
	}
	actor := opts.Actor
	if actor == "" {
		actor = "unknown"
	}
	if _, err := j.Audit(ctx, actor, "export", fmt.Sprintf("out=%s matched=%d produced=%d failed=%d signed=%t csv_sha256=%x query=%s",
		opts.Out, e.p.Matched, e.p.Produced, len(e.p.Failures), e.p.Signed, e.csvSum, catalog.EncodeQuery(q))); err != nil {
		return e.p, fmt.Errorf("discovery: audit: %w", err)
	}
	if len(e.p.Failures) > 0 {
		return e.p, &IncompleteError{Failures: e.p.Failures, Missing: e.p.Missing}
	}
	return e.p, nil
}

type exporter struct {
	j      Journal
	vs     *volumes
	out    *outDir
	keys   openpgp.EntityList
	dec    *pgp.Decrypter // opens volume messages with keys
	p      *Production
	csvSum [32]byte
	mbox   *os.File
}

func (e *exporter) run(ctx context.Context, msgs []journal.Message) error {
	cf, err := e.out.create(CSVFile)
	if err != nil {
		return err
	}
	defer cf.Close()
	cw := newCSV(cf)
	cw.Write(CSVHeader)
	if e.p.Format == FormatMbox {
		if e.mbox, err = e.out.create(MboxFile); err != nil {
			return err
		}
		defer e.mbox.Close()
		e.p.Files = []string{MboxFile}
	}
	missing := map[string]int{}
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		src, rc, err := e.open(ctx, m)
		if err != nil {
			if errors.Is(err, errMissingVolume) {
				missing[m.Volume]++
			}
			e.fail(m, err)
			continue
		}
		n := e.p.Produced + 1
		file, err := e.write(n, m, rc)
		rc.Close()
		if err != nil {
			e.fail(m, err)
			continue
		}
		e.p.Produced = n
		if e.p.Format == FormatEML {
			e.p.Files = append(e.p.Files, file)
		}
		cw.Write(csvRow(n, m, src, file))
	}
	for l, c := range missing {
		e.p.Missing = append(e.p.Missing, MissingVolume{Label: l, Messages: c})
	}
	sort.Slice(e.p.Missing, func(a, b int) bool { return e.p.Missing[a].Label < e.p.Missing[b].Label })
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("discovery: %s: %w", CSVFile, err)
	}
	if e.mbox != nil {
		if err := e.mbox.Sync(); err != nil {
			return fmt.Errorf("discovery: %s: %w", MboxFile, err)
		}
	}
	if err := cf.Sync(); err != nil {
		return fmt.Errorf("discovery: %s: %w", CSVFile, err)
	}
	return nil
}

func (e *exporter) fail(m journal.Message, err error) {
	e.p.Failures = append(e.p.Failures, Failure{Tenant: m.Tenant, Seq: m.Seq, Volume: m.Volume, Reason: err.Error()})
}

// sign writes production.csv.asc over b, the finished production.csv.
func (e *exporter) sign(signer *openpgp.Entity, b []byte) error {
	f, err := e.out.create(SigFile)
	if err != nil {
		return err
	}
	if err := pgp.SignDetached(f, signer, bytes.NewReader(b)); err != nil {
		f.Close()
		return fmt.Errorf("discovery: sign %s: %w", CSVFile, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("discovery: %s: %w", SigFile, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("discovery: %s: %w", SigFile, err)
	}
	e.p.Signed = true
	return nil
}

func (e *exporter) readCSV() ([]byte, error) {
	f, err := e.out.open(CSVFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// markIncomplete writes IncompleteFile: what was produced, every missing
// volume and every match not produced with its reason, and stopped (the
// hard error that ended the export, or nil).
func (e *exporter) markIncomplete(stopped error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "INCOMPLETE PRODUCTION: %d of %d matching messages were produced.\n", e.p.Produced, e.p.Matched)
	fmt.Fprintf(&b, "%s lists only the messages produced and is NOT signed (no %s).\n", CSVFile, SigFile)
	b.WriteString("Do not deliver this directory as a complete production: export again into a new\n" +
		"directory with the missing volumes (--media) and the tenant's secret key (--key).\n")
	if stopped != nil {
		fmt.Fprintf(&b, "\nThe export stopped: %s\n", oneLine(stopped.Error()))
	}
	if len(e.p.Missing) > 0 {
		b.WriteString("\nMissing volumes:\n")
		for _, m := range e.p.Missing {
			fmt.Fprintf(&b, "  %s: %d message(s)\n", m.Label, m.Messages)
		}
	}
	if len(e.p.Failures) > 0 {
		b.WriteString("\nNot produced (tenant/seq volume: reason):\n")
		for _, f := range e.p.Failures {
			fmt.Fprintf(&b, "  %s/%d %s: %s\n", oneLine(f.Tenant), f.Seq, f.Volume, oneLine(f.Reason))
		}
	}
	f, err := e.out.create(IncompleteFile)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("discovery: %s: %w", IncompleteFile, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("discovery: %s: %w", IncompleteFile, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("discovery: %s: %w", IncompleteFile, err)
	}
	e.p.Incomplete = true
	return nil
}

// oneLine keeps a reason on one line of IncompleteFile.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
