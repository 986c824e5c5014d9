package discovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
)

// Journal is what Export needs from the journal; *journal.Journal has it.
type Journal interface {
	// OpenBody opens a message's raw bytes while the journal holds them.
	OpenBody(ctx context.Context, tenant string, seq uint64) (io.ReadCloser, error)
	// Audit appends an event to the hash-chained audit trail.
	Audit(ctx context.Context, actor, action, detail string) (journal.Event, error)
}

// Formats of a production.
const (
	FormatEML  = "eml"  // one NNNNNN.eml file per message, the exact archived bytes
	FormatMbox = "mbox" // one production.mbox file, mboxrd quoting
)

// File names in a production directory.
const (
	CSVFile        = "production.csv"
	SigFile        = "production.csv.asc"
	MboxFile       = "production.mbox"
	IncompleteFile = "INCOMPLETE.txt" // only in an incomplete production, which is never signed
)

// ErrNoSigner: Export was given no archive key to sign production.csv and
// not told to leave it unsigned (ExportOptions.NoSign).
var ErrNoSigner = errors.New("discovery: no archive signing key for production.csv (sign with another archive secret key, or export unsigned)")

// ExportOptions configures Export.
type ExportOptions struct {
	Media  []string           // image files, devices or extracted disc directories holding released messages
	Keys   openpgp.EntityList // tenant secret keys, to decrypt messages read from media
	Out    string             // output directory: created, or existing and empty
	Format string             // FormatEML (default when "") or FormatMbox
	Signer *openpgp.Entity    // archive secret key; signs production.csv (required unless NoSign)
	NoSign bool               // write no production.csv.asc (a recovery machine without the archive secret key)
	Actor  string             // recorded in the audit trail; "" means "unknown"
}

// Production is what one Export wrote.
type Production struct {
	Dir        string          // the output directory
	Format     string          // FormatEML or FormatMbox
	Matched    int             // messages the query matched
	Produced   int             // messages written (production numbers 1..Produced)
	Files      []string        // eml: one name per produced message, in number order; mbox: [MboxFile]
	Failures   []Failure       // matches that could not be produced
	Missing    []MissingVolume // volumes needed and not among the media given
	Signed     bool            // production.csv.asc written (complete, and not NoSign)
	Incomplete bool            // IncompleteFile written: some matches not produced
}

// Failure is one matched message that could not be produced.
type Failure struct {
	Tenant string
	Seq    uint64
	Volume string // label, when the message was to come from a volume
	Reason string
}

// MissingVolume names a volume that holds released matches and was not
// given as media.
type MissingVolume struct {
	Label    string
	Messages int // matches on it
}

// IncompleteError is Export's error when some matches were not produced.
// The production holds everything else; production.csv lists only what
// was produced, IncompleteFile says what is missing and why, and nothing
// is signed.
type IncompleteError struct {
	Failures []Failure
	Missing  []MissingVolume
}

func (e *IncompleteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "discovery: %d matching message(s) not produced", len(e.Failures))
	for _, m := range e.Missing {
		fmt.Fprintf(&b, "; volume %s needed (%d message(s)), pass it with --media", m.Label, m.Messages)
	}
	for i, f := range e.Failures {
		if i == 10 {
			fmt.Fprintf(&b, "; …")
			break
		}
		fmt.Fprintf(&b, "; %s/%d: %s", f.Tenant, f.Seq, f.Reason)
	}
	return b.String()
}
