package sealing

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing/format"
)

// VolumeReport is the outcome of checking one source.
type VolumeReport struct {
	Source      string           `json:"source"`
	Label       string           `json:"label,omitempty"`
	Tenant      string           `json:"tenant,omitempty"`
	Period      string           `json:"period,omitempty"`
	SetID       string           `json:"set_id,omitempty"`
	Index       int              `json:"index,omitempty"` // k
	Count       int              `json:"count,omitempty"` // n
	FirstSeq    uint64           `json:"first_seq,omitempty"`
	LastSeq     uint64           `json:"last_seq,omitempty"`
	Messages    int              `json:"messages"`
	ImageSHA256 [32]byte         `json:"-"` // zero for a directory
	ImageBytes  int64            `json:"image_bytes,omitempty"`
	SumsSHA256  [32]byte         `json:"-"` // of SHA256SUMS as read
	PrevSums    string           `json:"-"`
	Method      string           `json:"method"` // "deep" (every message decrypted) or "hash"
	OK          bool             `json:"ok"`
	Findings    []format.Finding `json:"findings,omitempty"`
	// Released is when the journal released this volume (UTC; zero if not
	// released or checked without --data).
	Released time.Time `json:"released,omitzero"`
	// Note explains a check weaker than asked for: a released volume's
	// verification key is wiped, so --data can no longer check deeply.
	Note        string   `json:"note,omitempty"`
	journalVol  bool     // the journal knows this label
	seqs        []uint64 // tenant sequences of the message files present
	hasManifest bool
}

// Report is the outcome of Verify.
type Report struct {
	Volumes  []*VolumeReport
	Findings []format.Finding // across volumes: set and chain
	OK       bool             // no finding anywhere
}

func (vr *VolumeReport) setManifest(m *format.Manifest) {
	vr.hasManifest = true
	vr.Label, vr.Tenant, vr.Period, vr.SetID = m.Label, m.Tenant, m.Period, m.SetID
	vr.Index, vr.Count, vr.FirstSeq, vr.LastSeq, vr.Messages = m.Index, m.Count, m.FirstSeq, m.LastSeq, m.Messages
	vr.PrevSums = m.PrevSums
}

// verification is the journal record of this check at time t of the copy
// named name (zero: nameOf the source).
func (vr *VolumeReport) verification(t time.Time, name CopyName) journal.Verification {
	if name == (CopyName{}) {
		name = nameOf(vr.Source)
	}
	v := journal.Verification{Time: t, Copy: name.Copy, Kind: name.Kind, ImageSHA256: vr.ImageSHA256, Method: vr.Method, OK: len(vr.Findings) == 0}
	for _, f := range vr.Findings {
		v.Findings = append(v.Findings, f.String())
	}
	return v
}

func (r *Report) finish() {
	r.OK = len(r.Findings) == 0
	for _, v := range r.Volumes {
		v.OK = len(v.Findings) == 0
		r.OK = r.OK && v.OK
	}
}

// AllFindings returns every finding, per volume then across volumes.
func (r *Report) AllFindings() []format.Finding {
	var out []format.Finding
	for _, v := range r.Volumes {
		out = append(out, v.Findings...)
	}
	return append(out, r.Findings...)
}

// WriteText renders the report for humans: one line per volume, one
// indented line per finding, and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	for _, v := range r.Volumes {
		status := "OK"
		if !v.OK {
			status = fmt.Sprintf("FAILED (%d findings)", len(v.Findings))
		}
		fmt.Fprintf(w, "%s %s: %s %d of %d, %d messages, seq %d-%d, %s check",
			status, v.Source, v.Label, v.Index, v.Count, v.Messages, v.FirstSeq, v.LastSeq, v.Method)
		if v.ImageSHA256 != ([32]byte{}) {
			fmt.Fprintf(w, ", image sha256 %x", v.ImageSHA256)
		}
		fmt.Fprintln(w)
		if v.Note != "" {
			fmt.Fprintf(w, "  note: %s\n", v.Note)
		}
		for _, f := range v.Findings {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  %s\n", f)
	}
	n := len(r.AllFindings())
	if r.OK {
		hashOnly := ""
		if n := r.hashOnly(); n > 0 {
			hashOnly = fmt.Sprintf(" (%d by hash and signature only, not deep)", n)
		}
		_, err := fmt.Fprintf(w, "verify: OK, %d %s%s\n", len(r.Volumes), plural(len(r.Volumes), "volume", "volumes"), hashOnly)
		return err
	}
	_, err := fmt.Fprintf(w, "verify: FAILED, %d findings in %d volumes\n", n, len(r.Volumes))
	return err
}

// WriteJSON renders the report as JSON Lines: one {"type":"volume"} object
// per source, one {"type":"finding"} per finding, and a final
// {"type":"summary"}.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, v := range r.Volumes {
		obj := struct {
			Type string `json:"type"`
			*VolumeReport
			ImageSHA256 string `json:"image_sha256,omitempty"`
		}{"volume", v, ""}
		if v.ImageSHA256 != ([32]byte{}) {
			obj.ImageSHA256 = hex.EncodeToString(v.ImageSHA256[:])
		}
		if err := enc.Encode(obj); err != nil {
			return err
		}
	}
	for _, f := range r.Findings {
		if err := enc.Encode(struct {
			Type string `json:"type"`
			format.Finding
		}{"finding", f}); err != nil {
			return err
		}
	}
	return enc.Encode(struct {
		Type     string `json:"type"`
		OK       bool   `json:"ok"`
		Volumes  int    `json:"volumes"`
		Findings int    `json:"findings"`
	}{"summary", r.OK, len(r.Volumes), len(r.AllFindings())})
}

// hashOnly counts volumes checked by hash only although the journal knew
// them (released volumes, whose verification key is gone).
func (r *Report) hashOnly() int {
	n := 0
	for _, v := range r.Volumes {
		if v.journalVol && v.Method != "deep" {
			n++
		}
	}
	return n
}
