package journal

import (
	"time"
)

// State is where a message's body stands in its lifecycle.
type State uint8

const (
	// Journaled: the body is in the journal and on no sealed volume.
	Journaled State = iota + 1
	// Sealed: the message is on a sealed volume; the body is still in the journal.
	Sealed
	// Released: the volume holding the message passed verification and the
	// journal body was deleted (unless HasBody says a legal hold kept it).
	Released
)

func (s State) String() string {
	switch s {
	case Journaled:
		return "journaled"
	case Sealed:
		return "sealed"
	case Released:
		return "released"
	}
	return "unknown"
}

// DefaultTenant receives mail whose envelope matches no tenant's domains.
// Such mail is never dropped; it raises an "unrouted" alarm instead.
const DefaultTenant = "default"

// Envelope is the SMTP envelope of one receipt (RFC 5321 §2.3.1, §4.1.1.2–3).
type Envelope struct {
	MailFrom   string   `json:"mail_from"`             // reverse-path without angle brackets; "" is the null sender
	RcptTo     []string `json:"rcpt_to"`               // every forward-path, in the order given, uncapped
	ClientAddr string   `json:"client_addr,omitempty"` // remote "ip:port"; "" for backfill
	Helo       string   `json:"helo,omitempty"`        // HELO/EHLO/LHLO argument
	TLS        bool     `json:"tls"`                   // the transaction ran under STARTTLS
	Protocol   string   `json:"protocol"`              // "smtp", "lmtp" or "ingest"
	Source     string   `json:"source,omitempty"`      // backfill only: file path, plus "#N" for the Nth mbox message
}

// ReportedRecipient is one recipient listed in an Exchange envelope journal
// report (a message carrying X-MS-Journal-Report).
type ReportedRecipient struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`          // "To", "Cc", "Bcc", "Recipient", "Expanded" or "Forwarded"
	Via     string `json:"via,omitempty"` // Expanded/Forwarded: the list or address it came through
}

// JournalReport is what an envelope journal report says about the original
// message it carries as a message/rfc822 part.
type JournalReport struct {
	Sender         string              `json:"sender"`
	Recipients     []ReportedRecipient `json:"recipients"`
	OriginalSHA256 [32]byte            `json:"original_sha256"` // SHA-256 of the embedded original's raw bytes
}

// Receipt is one delivery of a message to the journal. The same bytes
// delivered twice give one Message with two Receipts.
type Receipt struct {
	Received time.Time      `json:"received"` // UTC
	Envelope Envelope       `json:"envelope"`
	Report   *JournalReport `json:"report,omitempty"` // non-nil for a journal report
}

// Summary is the best-effort header summary of a message. Parsing never
// fails an ingest: fields that cannot be read are left empty.
type Summary struct {
	Date        time.Time `json:"date"`                  // Date header in UTC; zero when missing or unparseable
	DateRaw     string    `json:"date_raw,omitempty"`    // the Date header as written
	From        string    `json:"from,omitempty"`        // decoded header text (RFC 2047, UTF-8/Windows-1252)
	To          string    `json:"to,omitempty"`          // decoded header text
	Cc          string    `json:"cc,omitempty"`          // decoded header text
	Subject     string    `json:"subject,omitempty"`     // decoded header text
	MessageID   string    `json:"message_id,omitempty"`  // without angle brackets
	Attachments []string  `json:"attachments,omitempty"` // decoded attachment file names
}

// Message is the journal's record of one archived message within a tenant.
// Identity within a tenant is Identity (see docs/design.md, "Duplicates").
type Message struct {
	Tenant   string    `json:"tenant"`
	Seq      uint64    `json:"seq"`      // per-tenant sequence: 1, 2, 3… with no gaps
	JSeq     uint64    `json:"jseq"`     // journal-wide arrival sequence, shared by all tenants
	Rev      uint64    `json:"rev"`      // journal-wide change sequence: set on create and on every new receipt
	SHA256   [32]byte  `json:"sha256"`   // of the stored raw bytes (what a volume holds)
	Identity [32]byte  `json:"identity"` // dedup key: SHA256, or the original's hash for a journal report
	Size     int64     `json:"size"`     // bytes
	Received time.Time `json:"received"` // first receipt, UTC
	Receipts []Receipt `json:"receipts"`
	Summary  Summary   `json:"summary"`
	State    State     `json:"state"`
	HasBody  bool      `json:"has_body"`         // the journal still holds the raw bytes
	Volume   string    `json:"volume,omitempty"` // label of the sealed volume holding it
	Path     string    `json:"path,omitempty"`   // path of its file on that volume
}

// Placement says where one message sits on a sealed volume.
type Placement struct {
	Seq  uint64 `json:"seq"`  // tenant sequence
	Path string `json:"path"` // file path on the volume, e.g. "MSG/0000000042.PGP"
}

// Verification is one successful or failed check of one copy of a volume
// (the image file, or a burned disc read back).
type Verification struct {
	Time time.Time `json:"time"` // UTC
	Copy string    `json:"copy"` // which copy: an image path, a device, or a name such as "disc:LABEL#2"
	// Kind is what the copy is: "image", "disc" or "offsite" (sealing
	// records and interprets it; the journal stores it as given). Empty in
	// records written before kinds were recorded.
	Kind        string   `json:"kind,omitempty"`
	ImageSHA256 [32]byte `json:"image_sha256"` // of the bytes checked
	Method      string   `json:"method"`       // "deep" (every message decrypted and compared to the journal) or "hash"
	OK          bool     `json:"ok"`
	Findings    []string `json:"findings,omitempty"`
}

// Volume is the journal's record of one sealed volume (one image/disc).
type Volume struct {
	Label          string         `json:"label"` // ISO volume identifier, also the label written on the disc
	Tenant         string         `json:"tenant"`
	Period         string         `json:"period"` // "YYYY-MM", or "until-YYYY-MM-DD" for catch-up seals
	SetID          string         `json:"set_id"` // volume set identifier
	Index          int            `json:"index"`  // k of n, 1-based
	Count          int            `json:"count"`  // n
	FirstSeq       uint64         `json:"first_seq"`
	LastSeq        uint64         `json:"last_seq"`
	Placements     []Placement    `json:"placements"`
	ImageName      string         `json:"image_name"` // file name as written to --out
	ImageSHA256    [32]byte       `json:"image_sha256"`
	ImageBytes     int64          `json:"image_bytes"`
	SumsSHA256     [32]byte       `json:"sums_sha256"`      // SHA-256 of its SHA256SUMS file (the chain link)
	PrevSumsSHA256 [32]byte       `json:"prev_sums_sha256"` // of the tenant's previous volume; zero for the first
	Signer         string         `json:"signer"`           // archive key fingerprint, hex
	Sealed         time.Time      `json:"sealed"`           // UTC
	Verifications  []Verification `json:"verifications,omitempty"`
	Released       time.Time      `json:"released"`             // zero until released
	VerifyKey      []byte         `json:"verify_key,omitempty"` // armored per-volume verification secret key; wiped at release
}

// Hold is a legal hold: a named, stored query. Messages matching it keep
// their journal bodies after release. The journal stores Query opaquely;
// the catalog interprets it.
type Hold struct {
	Name    string    `json:"name"`
	Query   []byte    `json:"query"`
	Created time.Time `json:"created"`
	By      string    `json:"by"`
}

// Tenant is a customer whose mail is archived separately.
type Tenant struct {
	Name       string    `json:"name"`
	Domains    []string  `json:"domains"`    // lower-case domains routing mail to this tenant
	Recipients [][]byte  `json:"recipients"` // armored OpenPGP public keys; opaque to the journal
	Created    time.Time `json:"created"`
}

// Event is one entry of the append-only, hash-chained audit trail.
// Hash = SHA-256(Prev || canonical JSON of the entry without Hash).
type Event struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`   // UTC
	Actor  string    `json:"actor"`  // the OS user, or "service"
	Action string    `json:"action"` // "ingest", "seal", "verify", "release", "hold", "export", "key", "tenant", …
	Detail string    `json:"detail"`
	Prev   [32]byte  `json:"prev"`
	Hash   [32]byte  `json:"hash"`
}

// Alarm is a condition an operator must act on. status exits 2 while any is raised.
type Alarm struct {
	Kind    string    `json:"kind"` // "unsealed-age", "unrouted", "oversize", "write-failure", "low-disk", "release-freed-nothing", "corrupt-record", "catalog"
	Tenant  string    `json:"tenant,omitempty"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"` // UTC
}
