package discovery

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/format"
)

// importPlan is one volume's journal records, built from its manifest and
// decrypted index before anything is written.
type importPlan struct {
	vol        journal.Volume
	msgs       []journal.Message
	recipients []string // tenant key fingerprints from the manifest
}

func planImport(v *format.Volume, source string, keys openpgp.EntityList) (importPlan, error) {
	m := v.Manifest()
	ix, err := v.Index(keys)
	if err != nil {
		if ke := keyError(m.Label, m.Recipients, keys, err); ke != err {
			return importPlan{}, ke
		}
		return importPlan{}, fmt.Errorf("%s: %w", m.Label, err)
	}
	if len(ix) != m.Messages {
		return importPlan{}, fmt.Errorf("%s: index lists %d messages, manifest %d", m.Label, len(ix), m.Messages)
	}
	sums, err := v.SumsSHA256()
	if err != nil {
		return importPlan{}, fmt.Errorf("%s: %s: %w", m.Label, format.SumsFile, err)
	}
	p := importPlan{recipients: m.Recipients, vol: journal.Volume{
		Label: m.Label, Tenant: m.Tenant, Period: m.Period, SetID: m.SetID, Index: m.Index, Count: m.Count,
		FirstSeq: m.FirstSeq, LastSeq: m.LastSeq, ImageName: filepath.Base(source),
		SumsSHA256: sums, Sealed: m.Sealed, Released: m.Sealed,
	}}
	if m.PrevSums != "" {
		b, err := hex.DecodeString(m.PrevSums)
		if err != nil || len(b) != 32 {
			return importPlan{}, fmt.Errorf("%s: prev_sha256sums %q", m.Label, m.PrevSums)
		}
		copy(p.vol.PrevSumsSHA256[:], b)
	}
	for _, e := range ix {
		msg, err := messageFromIndex(m, e)
		if err != nil {
			return importPlan{}, err
		}
		p.msgs = append(p.msgs, msg)
		p.vol.Placements = append(p.vol.Placements, journal.Placement{Seq: e.Seq, Path: e.Path})
	}
	return p, nil
}

// messageFromIndex turns one INDEX.PGP entry into a Released journal
// record. Attachment names are not in the index; the catalog finds them
// in the body when it indexes the message from the disc.
func messageFromIndex(m *format.Manifest, e format.IndexEntry) (journal.Message, error) {
	sum, err := hex.DecodeString(e.SHA256)
	if err != nil || len(sum) != 32 {
		return journal.Message{}, fmt.Errorf("%s: seq %d: sha256 %q", m.Label, e.Seq, e.SHA256)
	}
	msg := journal.Message{
		Tenant: m.Tenant, Seq: e.Seq, JSeq: e.JSeq, Size: e.Size, Received: e.Received.UTC(),
		State: journal.Released, Volume: m.Label, Path: e.Path,
		Summary: journal.Summary{From: e.From, To: e.To, Cc: e.Cc, Subject: e.Subject, MessageID: e.MessageID},
	}
	copy(msg.SHA256[:], sum)
	msg.Identity = msg.SHA256
	if e.Date != "" {
		if d, err := time.Parse(time.RFC3339, e.Date); err == nil {
			msg.Summary.Date = d.UTC()
		}
	}
	r := journal.Receipt{Received: msg.Received, Envelope: journal.Envelope{
		MailFrom: e.Envelope.MailFrom, RcptTo: e.Envelope.RcptTo, Protocol: "rebuild",
	}}
	if len(e.Envelope.Reported) > 0 {
		rep := &journal.JournalReport{}
		for _, a := range e.Envelope.Reported {
			rep.Recipients = append(rep.Recipients, journal.ReportedRecipient{Address: a, Kind: "Recipient"})
		}
		r.Report = rep
	}
	msg.Receipts = []journal.Receipt{r}
	return msg, nil
}
