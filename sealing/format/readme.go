package format

import (
	"bytes"
	"fmt"
	"strings"
)

// Readme renders README.TXT for m: plain US-ASCII text (CRLF-free) saying
// what the disc is and how to verify and read it with gpg and sha256sum.
func Readme(m *Manifest) []byte {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	prev := m.PrevSums
	if prev == "" {
		prev = "none (first volume of this tenant)"
	}
	p("ARCHIVER COMPLIANCE MAIL ARCHIVE VOLUME")
	p("")
	p("Tenant:             %s", m.Tenant)
	p("Period:             %s (UTC)", m.Period)
	p("Volume label:       %s", m.Label)
	p("Volume set id:      %s", m.SetID)
	p("Volume:             %d of %d", m.Index, m.Count)
	p("Messages:           %d", m.Messages)
	if m.Messages > 0 {
		p("Tenant sequence:    %d to %d", m.FirstSeq, m.LastSeq)
	}
	p("Sealed:             %s", m.Sealed.UTC().Format("2006-01-02T15:04:05Z"))
	p("Signer fingerprint: %s", m.Signer)
	p("Previous volume's SHA256SUMS SHA-256:")
	p("                    %s", prev)
	p("Audit chain head:   event %d, SHA-256 %s", m.AuditSeq, m.AuditHash)
	p("Encryption:         OpenPGP (RFC 4880), %s, compression %s", m.Cipher, m.Compression)
	p("Recipients:         %s", strings.Join(m.Recipients, ", "))
	if m.VerifyKey != "" {
		p("Also encrypted to:  %s, the volume verification key,", m.VerifyKey)
		p("                    whose secret is destroyed when the journal is released")
		p("                    (docs/FORMAT.md section 6); gpg lists it as a second key")
	}
	p("")
	p("Each archived message is one OpenPGP file under MSG/, holding the raw")
	p("message bytes exactly as received. INDEX.PGP is an encrypted JSON Lines")
	p("list of the messages (sequence, envelope, headers, size, SHA-256, path).")
	p("MANIFEST.JSON repeats the facts above. The format is specified in")
	p("docs/FORMAT.md of the archiver source (format version %d).", m.Format)
	p("")
	p("TO VERIFY THIS DISC (in its root directory, or a copy of it):")
	p("")
	p("  gpg --import SIGNER.ASC")
	p("  gpg --verify SHA256SUMS.ASC SHA256SUMS")
	p("     (check that the fingerprint gpg prints is %s)", m.Signer)
	p("  sha256sum -c SHA256SUMS")
	p("")
	p("TO READ ONE MESSAGE (needs a tenant secret key in your gpg keyring):")
	p("")
	ex := MessagePath(m.FirstSeq)
	p("  gpg --decrypt %s > msg.eml", ex)
	p("  sha256sum msg.eml")
	p("  gpg --decrypt INDEX.PGP | grep '\"seq\":%d,'", m.FirstSeq)
	p("     (the \"sha256\" value there must equal the sha256sum output)")
	p("")
	p("Do not trust a decryption by gpg's exit status alone: compare SHA-256.")
	return b.Bytes()
}
