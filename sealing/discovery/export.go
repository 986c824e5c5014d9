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
// When some matches cannot be produced (missing volume, no key, bad hash),
// Export still writes the rest, production.csv and its signature, and
// returns the Production with an *IncompleteError naming each failure and
// each missing volume.
func Export(ctx context.Context, j Journal, cat *catalog.Catalog, q catalog.Query, opts ExportOptions) (*Production, error) {
	if opts.Format == "" {
		opts.Format = FormatEML
	}
	if opts.Format != FormatEML && opts.Format != FormatMbox {
		return nil, fmt.Errorf("discovery: format %q: want %q or %q", opts.Format, FormatEML, FormatMbox)
	}
	if opts.Signer == nil {
		return nil, errors.New("discovery: no archive key to sign production.csv")
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
	e := &exporter{j: j, vs: vs, out: out, keys: opts.Keys, p: &Production{Dir: opts.Out, Format: opts.Format, Matched: len(msgs)}}
	if err := e.run(ctx, msgs); err != nil {
		return e.p, err
	}
	if err := e.sign(opts.Signer); err != nil {
		return e.p, err
	}
	actor := opts.Actor
	if actor == "" {
		actor = "unknown"
	}
	if _, err := j.Audit(ctx, actor, "export", fmt.Sprintf("out=%s matched=%d produced=%d failed=%d csv_sha256=%x query=%s",
		opts.Out, e.p.Matched, e.p.Produced, len(e.p.Failures), e.csvSum, catalog.EncodeQuery(q))); err != nil {
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

// sign writes production.csv.asc over the finished production.csv.
func (e *exporter) sign(signer *openpgp.Entity) error {
	b, err := e.readCSV()
	if err != nil {
		return err
	}
	e.csvSum = sha256.Sum256(b)
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
	return f.Close()
}

func (e *exporter) readCSV() ([]byte, error) {
	f, err := e.out.open(CSVFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
