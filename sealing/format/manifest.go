package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Manifest is MANIFEST.JSON: plain (unencrypted) JSON describing one volume.
type Manifest struct {
	Format      int       `json:"format"` // Version
	Tenant      string    `json:"tenant"`
	Period      string    `json:"period"` // "YYYY-MM" or "until-YYYY-MM-DD"
	SetID       string    `json:"set_id"` // volume set identifier, also in the ISO PVD
	Index       int       `json:"index"`  // k, 1-based
	Count       int       `json:"count"`  // n
	Label       string    `json:"label"`  // ISO volume identifier
	FirstSeq    uint64    `json:"first_seq"`
	LastSeq     uint64    `json:"last_seq"`
	Messages    int       `json:"messages"`
	PrevSums    string    `json:"prev_sha256sums"` // hex SHA-256 of the tenant's previous volume's SHA256SUMS; "" for the first
	AuditSeq    uint64    `json:"audit_seq"`       // audit chain head at sealing
	AuditHash   string    `json:"audit_hash"`      // hex
	Signer      string    `json:"signer"`          // archive key fingerprint, 40 hex
	Recipients  []string  `json:"recipients"`      // tenant key fingerprints
	VerifyKey   string    `json:"verify_key"`      // fingerprint of the per-volume verification key
	Sealed      time.Time `json:"sealed"`          // UTC
	Cipher      string    `json:"cipher"`          // "AES256" or "AES128"
	Compression string    `json:"compression"`     // "ZLIB" or "none"
}

// Marshal returns the indented JSON of m with a final newline.
func (m *Manifest) Marshal() []byte {
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}

// ParseManifest decodes MANIFEST.JSON strictly: unknown fields, a format
// version other than Version, and impossible values are errors.
func ParseManifest(b []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("format: %s: %w", ManifestFile, err)
	}
	switch {
	case m.Format != Version:
		return nil, fmt.Errorf("format: %s: format %d, this reader knows %d", ManifestFile, m.Format, Version)
	case m.Index < 1 || m.Index > m.Count:
		return nil, fmt.Errorf("format: %s: volume %d of %d", ManifestFile, m.Index, m.Count)
	case m.Messages > 0 && (m.FirstSeq < 1 || m.LastSeq < m.FirstSeq):
		return nil, fmt.Errorf("format: %s: sequence range %d–%d", ManifestFile, m.FirstSeq, m.LastSeq)
	case m.Tenant == "" || m.SetID == "" || m.Label == "":
		return nil, fmt.Errorf("format: %s: tenant, set_id and label are required", ManifestFile)
	}
	return &m, nil
}
