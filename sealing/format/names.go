package format

import (
	"fmt"
	"strings"
	"time"
)

// Version is the format version written in MANIFEST.JSON.
const Version = 1

// File names at the disc root (ISO 9660 d-characters, identical in the
// primary and Joliet trees).
const (
	ReadmeFile   = "README.TXT"
	ManifestFile = "MANIFEST.JSON"
	IndexFile    = "INDEX.PGP"
	SignerFile   = "SIGNER.ASC"
	SumsFile     = "SHA256SUMS"
	SumsSigFile  = "SHA256SUMS.ASC"
	MsgDir       = "MSG"
)

// ShardSize is the number of message files per MSG subdirectory.
const ShardSize = 1000

// MessagePath returns the disc path of the message with tenant sequence
// seq: MSG/DDDDDDD/NNNNNNNNNN.PGP with DDDDDDD = seq/1000 (7 digits) and
// NNNNNNNNNN = seq (10 digits), both zero-padded decimal.
func MessagePath(seq uint64) string {
	return fmt.Sprintf("%s/%07d/%010d.PGP", MsgDir, seq/ShardSize, seq)
}

// MaxLabel is the length limit of an ISO 9660 volume identifier
// (ECMA-119 §8.4.6: 32 d-characters).
const MaxLabel = 32

// Label returns the volume label TENANT_YYYYMM_VKKOFNN: the tenant
// upper-cased with every non-d-character (not A–Z 0–9 _) replaced by '_',
// truncated so the whole fits MaxLabel. period is "YYYY-MM" or
// "until-YYYY-MM-DD" (which gives "UYYYYMMDD"), optionally followed by a
// round tag "rN" when a period is sealed again ("2026-11r2" → "202611R2").
func Label(tenant, period string, k, n int) string {
	p := strings.ReplaceAll(period, "-", "")
	if strings.HasPrefix(p, "until") {
		p = "U" + strings.TrimPrefix(p, "until")
	}
	p = dchars(strings.ToUpper(p))
	suffix := fmt.Sprintf("_%s_V%02dOF%02d", p, k, n)
	t := dchars(strings.ToUpper(tenant))
	if max := MaxLabel - len(suffix); len(t) > max {
		t = strings.TrimRight(t[:max], "_")
	}
	return t + suffix
}

func dchars(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// ImageName returns the image file name T-YYYY-MM-vKKofNN.iso (or
// T-until-YYYY-MM-DD-vKKofNN.iso for catch-up seals).
func ImageName(tenant, period string, k, n int) string {
	return fmt.Sprintf("%s-%s-v%02dof%02d.iso", tenant, period, k, n)
}

// MonthPeriod returns the UTC bounds [from, until) of the month "YYYY-MM".
func MonthPeriod(period string) (from, until time.Time, err error) {
	from, err = time.ParseInLocation("2006-01", period, time.UTC)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("format: period %q: want YYYY-MM", period)
	}
	return from, from.AddDate(0, 1, 0), nil
}

// UntilPeriod returns the period name "until-YYYY-MM-DD" of a catch-up seal
// of everything received before until (UTC).
func UntilPeriod(until time.Time) string {
	return "until-" + until.UTC().Format("2006-01-02")
}
