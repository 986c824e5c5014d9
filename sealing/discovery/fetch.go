package discovery

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/archiver/archiver/journal"
)

// errMissingVolume: a released message's volume is not among the media.
var errMissingVolume = errors.New("volume not among the media given")

// errHash: the bytes read do not hash to the SHA-256 recorded at ingest.
var errHash = errors.New("SHA-256 differs from the catalog record")

// open returns a message's source ("journal" or "LABEL:PATH") and its raw
// bytes: from the journal while it holds the body, else from its volume.
func (e *exporter) open(ctx context.Context, m journal.Message) (string, io.ReadCloser, error) {
	if m.HasBody {
		rc, err := e.j.OpenBody(ctx, m.Tenant, m.Seq)
		if err == nil {
			return "journal", rc, nil
		}
		if m.Volume == "" {
			return "", nil, fmt.Errorf("journal body: %w", err)
		}
	}
	if m.Volume == "" || m.Path == "" {
		return "", nil, errors.New("no journal body and no volume recorded")
	}
	v, ok := e.vs.byLabel[m.Volume]
	if !ok {
		return "", nil, fmt.Errorf("%s: %w", m.Volume, errMissingVolume)
	}
	rc, err := v.OpenMessageWith(m.Path, e.dec)
	if err != nil {
		if ke := keyError(m.Volume, v.Manifest().Recipients, e.keys, err); ke != err {
			return "", nil, ke
		}
		return "", nil, fmt.Errorf("%s: %w", m.Volume, err)
	}
	return m.Volume + ":" + m.Path, rc, nil
}

// write stores production number n and returns its file name ("" for
// mbox). The bytes are checked against m.SHA256 before they count: an eml
// file that fails is removed; for mbox the message is staged in a
// temporary file inside Out and appended only after the check.
func (e *exporter) write(n int, m journal.Message, r io.Reader) (string, error) {
	name := fmt.Sprintf("%06d.eml", n)
	if e.p.Format == FormatMbox {
		name = fmt.Sprintf(".staging-%06d", n)
	}
	f, err := e.out.create(name)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = checkHash(h, m)
	}
	if err == nil && e.p.Format == FormatEML {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && e.p.Format == FormatMbox {
		err = e.appendMbox(name, m)
	}
	if err != nil || e.p.Format == FormatMbox {
		if rerr := e.out.remove(name); err == nil {
			err = rerr
		}
	}
	if err != nil {
		return "", err
	}
	if e.p.Format == FormatMbox {
		return "", nil
	}
	return name, nil
}

func checkHash(h hash.Hash, m journal.Message) error {
	var got [32]byte
	copy(got[:], h.Sum(nil))
	if got != m.SHA256 {
		return fmt.Errorf("%w: read %x, recorded %x", errHash, got, m.SHA256)
	}
	return nil
}

func (e *exporter) appendMbox(staged string, m journal.Message) error {
	f, err := e.out.open(staged)
	if err != nil {
		return err
	}
	defer f.Close()
	sender := ""
	if len(m.Receipts) > 0 {
		sender = m.Receipts[0].Envelope.MailFrom
	}
	return writeMboxrd(e.mbox, sender, m.Received, f)
}
