package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// RecordSealed stores a sealed volume set atomically: each volume (Label
// unique, else ErrExists), and each placed message moved from Journaled to
// Sealed with its Volume and Path. ErrAlreadySealed (nothing recorded) if
// any placed message is not Journaled or is placed twice; ErrNotFound if
// one does not exist. Audited as "seal".
//
// Its memory does not grow with the number of placements (but for the
// volume records' JSON): no transaction touches more than sealChunk
// messages. In order:
//
//  1. marks: transactions of sealChunk placements each check that the
//     message reads as Journaled and put a mark in bucket sealing
//     (tenant‖seq → label‖path). A mark counts only once a volume with its
//     label is recorded (markRecorded); until then it is an orphan that
//     every reader ignores, so a crash here leaves nothing sealed, and
//     the next Open or RecordSealed drops the orphans. A failure here
//     drops them at once.
//  2. volumes: one transaction checks that bucket sealing holds exactly
//     this set's marks, records the volumes (idx_label), adds the set to
//     the stats and audits it. From its commit on, every mark counts and
//     every reader (withSealing) sees the whole set sealed.
//  3. records: finishSealing rewrites the marked records as Sealed and
//     removes their idx_unsealed entries and marks, sealChunk per
//     transaction. A crash here leaves marks that read the same and that
//     the next Open or RecordSealed finishes.
//
// One transaction for the whole set held every dirty page of its
// 500,000 marks (a full DVD of small mail): a Go heap peak of 334 MiB.
// Rewriting every record in it had held their JSON too (1.1 GiB at
// 124,000 messages).
func (j *Journal) RecordSealed(ctx context.Context, vols ...Volume) error {
	j.sealMu.Lock()
	defer j.sealMu.Unlock()
	if err := j.finishSealing(ctx); err != nil { // a set recorded earlier, orphans of one that was not
		return err
	}
	labels := map[string]bool{}
	total := 0
	for _, v := range vols {
		if v.Label == "" {
			return fmt.Errorf("journal: volume without label")
		}
		if strings.IndexByte(v.Label, 0) >= 0 {
			return fmt.Errorf("journal: volume label %q contains NUL", v.Label)
		}
		if labels[v.Label] {
			return fmt.Errorf("%w: volume %q twice in one set", ErrExists, v.Label)
		}
		labels[v.Label] = true
		total += len(v.Placements)
	}
	if err := j.markSet(ctx, vols); err != nil {
		if !errors.Is(err, errSealCrash) {
			j.dropOrphans()
		}
		return err
	}
	if err := j.sealFaultAt("volumes", 0); err != nil {
		return err
	}
	err := j.update(func(tx Tx) error {
		if err := checkMarks(tx, labels, total); err != nil {
			return err
		}
		for _, v := range vols {
			if err := recordVolume(tx, v); err != nil {
				return err
			}
			_, err := appendAudit(tx, j.now(), j.actor(ctx), "seal", fmt.Sprintf(
				"sealed volume %s (tenant %s, period %s, %d of %d, seq %d-%d, %d messages, image sha256 %x)",
				v.Label, v.Tenant, v.Period, v.Index, v.Count, v.FirstSeq, v.LastSeq, len(v.Placements), v.ImageSHA256))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		j.dropOrphans()
		return err
	}
	if err := j.sealFaultAt("recorded", 0); err != nil {
		return nil // a crash after the commit: recorded all the same
	}
	// The set is recorded: an error past this point must not make the
	// caller remove its images. Marks left over (a storage error) read the
	// same and are finished by the next Open or RecordSealed.
	if err := j.finishSealing(context.WithoutCancel(ctx)); err != nil {
		j.opts.Logger.Warn("seal recorded; rewriting its records is left to the next Open or RecordSealed", "err", err)
	}
	return nil
}

// dropOrphans removes the marks of a set whose volumes were not recorded,
// after RecordSealed failed. They are ignored by every reader anyway; a
// failure here leaves them to the next Open or RecordSealed.
func (j *Journal) dropOrphans() {
	if err := j.finishSealing(context.Background()); err != nil {
		j.opts.Logger.Warn("seal not recorded; dropping its marks is left to the next Open or RecordSealed", "err", err)
	}
}

// markSet writes the marks of every placement of vols, sealChunk per
// transaction (step 1 of RecordSealed).
func (j *Journal) markSet(ctx context.Context, vols []Volume) error {
	vi, pi := 0, 0 // next placement: vols[vi].Placements[pi]
	for n := 1; ; n++ {
		for vi < len(vols) && pi >= len(vols[vi].Placements) {
			vi, pi = vi+1, 0
		}
		if vi == len(vols) {
			return nil
		}
		if err := j.sealFaultAt("marks", n); err != nil {
			return err
		}
		err := j.update(func(tx Tx) error {
			for _, v := range vols { // a recorded label would make the marks count at once
				if tx.Get(bIdxLabel, []byte(v.Label)) != nil {
					return fmt.Errorf("%w: volume %q", ErrExists, v.Label)
				}
			}
			a, b := vi, pi
			for c := 0; c < j.hooks.sealChunk && a < len(vols); c++ {
				if err := markMessage(tx, vols[a], vols[a].Placements[b]); err != nil {
					return err
				}
				if b++; b == len(vols[a].Placements) {
					a, b = a+1, 0
					for a < len(vols) && len(vols[a].Placements) == 0 {
						a++
					}
				}
			}
			vi, pi = a, b
			return nil
		})
		if err != nil {
			return err
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
}

// markMessage checks that a placed message reads as Journaled and not yet
// marked (bucket sealing holds no orphans while RecordSealed runs: a mark
// there is this set's, so the message is placed twice), and marks it.
func markMessage(tx Tx, v Volume, p Placement) error {
	rec, err := lookupSeq(tx, v.Tenant, p.Seq)
	if err != nil {
		return err
	}
	if rec.State != Journaled {
		return fmt.Errorf("%w: %s/%d is %s on %s", ErrAlreadySealed, v.Tenant, p.Seq, rec.State, rec.Volume)
	}
	k := tenantKey(v.Tenant, u64(p.Seq))
	if m := tx.Get(bSealing, k); m != nil {
		label, path, _ := strings.Cut(string(m), "\x00")
		return fmt.Errorf("%w: %s/%d placed twice in one set (%s %s, %s %s)", ErrAlreadySealed, v.Tenant, p.Seq, label, path, v.Label, p.Path)
	}
	return tx.Put(bSealing, k, []byte(v.Label+"\x00"+p.Path))
}

// checkMarks makes sure, in the transaction recording the volumes, that
// bucket sealing holds exactly the set's marks: total of them, each
// naming one of its labels. markSet wrote one per placement and refused
// duplicates, and nothing else writes or drops marks meanwhile (sealMu),
// so this only fails on a bug; it then records nothing.
func checkMarks(tx Tx, labels map[string]bool, total int) error {
	n := 0
	c := tx.Cursor(bSealing)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		label, _, _ := strings.Cut(string(v), "\x00")
		if !labels[label] {
			tenant, seq := splitTenantKey(k)
			return fmt.Errorf("journal: seal mark of %s/%d names volume %q, not one of this set; nothing recorded", tenant, getU64(seq), label)
		}
		n++
	}
	if n != total {
		return fmt.Errorf("journal: %d seal marks for %d placements; nothing recorded", n, total)
	}
	return nil
}

// markRecorded parses a mark and says whether its volume is recorded, that
// is whether the mark counts (else it is an orphan of an interrupted
// RecordSealed: the message is not sealed).
func markRecorded(tx Tx, mark []byte) (label, path string, ok bool) {
	label, path, _ = strings.Cut(string(mark), "\x00")
	return label, path, tx.Get(bIdxLabel, []byte(label)) != nil
}

// defaultSealChunk is how many messages one RecordSealed transaction
// marks and one finishSealing transaction rewrites (hooks.sealChunk).
const defaultSealChunk = 2048

// errSealCrash wraps an error of sealFault.
var errSealCrash = errors.New("journal: simulated crash")

func (j *Journal) sealFaultAt(step string, n int) error {
	if j.hooks.sealFault == nil {
		return nil
	}
	if err := j.hooks.sealFault(step, n); err != nil {
		return fmt.Errorf("%w (%s %d): %w", errSealCrash, step, n, err)
	}
	return nil
}

// finishSealing works through bucket sealing, sealChunk marks per
// transaction: a mark whose volume is recorded has its record rewritten as
// Sealed (unless no longer Journaled: released or rewritten meanwhile,
// which wrote it as read, sealed) and its idx_unsealed entry removed; an
// orphan (volume not recorded) is only removed. Both lose the mark.
// Called by Open and, under sealMu, by RecordSealed: never while a set's
// marks are being written.
func (j *Journal) finishSealing(ctx context.Context) error {
	for n := 1; ; n++ {
		if j.hooks.sealChunkFault != nil {
			if err := j.hooks.sealChunkFault(n); err != nil {
				return err
			}
		}
		done := false
		err := j.update(func(tx Tx) error {
			var keys, vals [][]byte
			c := tx.Cursor(bSealing)
			for k, v := c.First(); k != nil && len(keys) < j.hooks.sealChunk; k, v = c.Next() {
				keys = append(keys, append([]byte(nil), k...))
				vals = append(vals, append([]byte(nil), v...))
			}
			done = len(keys) < j.hooks.sealChunk
			for i, k := range keys {
				if err := finishMark(tx, k, vals[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("journal: finishing a recorded seal: %w", err)
		}
		if done {
			return nil
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
}

func finishMark(tx Tx, k, mark []byte) error {
	label, path, ok := markRecorded(tx, mark)
	if ok {
		tenant, seq := splitTenantKey(k)
		jv := tx.Get(bIdxTenant, k)
		if jv == nil {
			return fmt.Errorf("%w: message %s/%d (marked sealed on %s)", ErrNotFound, tenant, getU64(seq), label)
		}
		rec, err := getRecordRaw(tx, getU64(jv))
		if err != nil {
			return err
		}
		if rec.State == Journaled {
			rec.State, rec.Volume, rec.Path = Sealed, label, path
			if err := putRecord(tx, &rec); err != nil {
				return err
			}
		}
		if err := tx.Delete(bIdxUnseal, k); err != nil {
			return err
		}
	}
	return tx.Delete(bSealing, k)
}

// recordVolume stores v and its label, and counts its placements as
// sealed in the stats (their marks, written before, now count).
func recordVolume(tx Tx, v Volume) error {
	if v.Label == "" {
		return fmt.Errorf("journal: volume without label")
	}
	if tx.Get(bIdxLabel, []byte(v.Label)) != nil {
		return fmt.Errorf("%w: volume %q", ErrExists, v.Label)
	}
	if len(v.Placements) > 0 {
		err := addStats(tx, v.Tenant, func(s *tenantStats) { s.Sealed += int64(len(v.Placements)) })
		if err != nil {
			return err
		}
	}
	n, err := nextCounter(tx, "vol")
	if err != nil {
		return err
	}
	if err := tx.Put(bIdxLabel, []byte(v.Label), u64(n)); err != nil {
		return err
	}
	return putVolume(tx, n, v)
}

func putVolume(tx Tx, n uint64, v Volume) error {
	b, err := volumeJSON(v, nil)
	if err != nil {
		return err
	}
	return tx.Put(bVolumes, u64(n), b)
}

// volumeJSON is json.Marshal(v), the same bytes, built in one buffer of
// the exact size: json.Marshal grows its buffer by doubling and then
// copies it, about three times the 22 MB of JSON of 500,000 placements.
// With raw non-nil, raw is the placements' JSON text instead of
// v.Placements (a record rewritten without decoding its placements).
func volumeJSON(v Volume, raw []byte) ([]byte, error) {
	ps := v.Placements
	v.Placements = nil
	meta, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	const field = `"placements":`
	i := bytes.Index(meta, []byte(field+"null")) // strings are escaped: only the field itself matches
	if i < 0 {
		return nil, fmt.Errorf("journal: volume %q: no placements field in %.80s", v.Label, meta)
	}
	i += len(field)
	rest := meta[i+len("null"):]
	size := i + len(rest)
	if raw != nil {
		size += len(raw)
	} else {
		size += placementsLen(ps)
	}
	out := make([]byte, 0, size)
	out = append(out, meta[:i]...)
	if raw != nil {
		out = append(out, raw...)
	} else {
		out = appendPlacements(out, ps)
	}
	return append(out, rest...), nil
}

// appendPlacements appends ps as json.Marshal writes them.
func appendPlacements(b []byte, ps []Placement) []byte {
	if ps == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"seq":`...)
		b = strconv.AppendUint(b, p.Seq, 10)
		b = append(b, `,"path":`...)
		b = appendJSONString(b, p.Path)
		b = append(b, '}')
	}
	return append(b, ']')
}

// placementsLen is len(appendPlacements(nil, ps)).
func placementsLen(ps []Placement) int {
	if ps == nil {
		return len("null")
	}
	n := 2 + max(len(ps)-1, 0) // [ ] and commas
	var d [20]byte
	for _, p := range ps {
		n += len(`{"seq":,"path":}`) + len(strconv.AppendUint(d[:0], p.Seq, 10)) + jsonStringLen(p.Path)
	}
	return n
}

// plainJSON says whether json.Marshal writes s between quotes unchanged
// (printable ASCII other than the characters it escapes).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func appendJSONString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always encodes
	return append(b, q...)
}

func jsonStringLen(s string) int {
	if plainJSON(s) {
		return len(s) + 2
	}
	q, _ := json.Marshal(s)
	return len(q)
}

// rawJSON keeps the JSON text of a value without decoding it (a slice of
// the input: valid as long as the transaction that read it).
type rawJSON struct{ b []byte }

func (r *rawJSON) UnmarshalJSON(b []byte) error { r.b = b; return nil }

// volumeSansPlacements decodes a volume record but for its placements,
// which stay JSON text.
type volumeSansPlacements struct {
	Volume
	Placements rawJSON `json:"placements"`
}

// getVolume returns the volume labelled label and its seal-order key.
func getVolume(tx Tx, label string) (Volume, uint64, error) {
	var v Volume
	nb := tx.Get(bIdxLabel, []byte(label))
	if nb == nil {
		return v, 0, fmt.Errorf("%w: volume %q", ErrNotFound, label)
	}
	n := getU64(nb)
	b := tx.Get(bVolumes, u64(n))
	if b == nil {
		return v, 0, fmt.Errorf("%w: volume %q (index stale; run journal rebuild)", ErrNotFound, label)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, 0, &CorruptError{Bucket: bVolumes, Key: u64(n), Err: err}
	}
	return v, n, nil
}

// Volume returns the volume labelled label; ErrNotFound.
func (j *Journal) Volume(ctx context.Context, label string) (Volume, error) {
	var v Volume
	err := j.view(func(tx Tx) error {
		var err error
		v, _, err = getVolume(tx, label)
		return err
	})
	return v, err
}

// Volumes returns the tenant's volumes (tenant "" = all) in seal order.
func (j *Journal) Volumes(ctx context.Context, tenant string) ([]Volume, error) {
	var out []Volume
	err := j.view(func(tx Tx) error {
		c := tx.Cursor(bVolumes)
		for k, b := c.First(); k != nil; k, b = c.Next() {
			var v Volume
			if err := json.Unmarshal(b, &v); err != nil {
				return &CorruptError{Bucket: bVolumes, Key: append([]byte(nil), k...), Err: err}
			}
			if tenant == "" || v.Tenant == tenant {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// AddVerification appends one verification result to a volume's record
// (Time defaults to now). Audited as "verify".
func (j *Journal) AddVerification(ctx context.Context, label string, ver Verification) error {
	if ver.Time.IsZero() {
		ver.Time = j.now()
	}
	return j.update(func(tx Tx) error {
		return updateVolume(tx, label, func(v *Volume) error {
			v.Verifications = append(v.Verifications, ver)
			_, err := appendAudit(tx, j.now(), j.actor(ctx), "verify", fmt.Sprintf(
				"verify %s copy %q method %s ok=%v image sha256 %x findings %d",
				label, ver.Copy, ver.Method, ver.OK, ver.ImageSHA256, len(ver.Findings)))
			return err
		})
	})
}

// updateVolume rewrites the record of volume label with fn's changes to
// every field but its placements, which are copied as JSON text, never
// decoded (22 MB for 500,000, where decoding and encoding them took about
// 100 MB); fn must leave v.Placements nil.
func updateVolume(tx Tx, label string, fn func(v *Volume) error) error {
	sv, n, _, err := readVolumeSansPlacements(tx, label)
	if err != nil {
		return err
	}
	if sv.Placements.b == nil { // absent: as json.Marshal of no placements
		sv.Placements.b = []byte("null")
	}
	if err := fn(&sv.Volume); err != nil {
		return err
	}
	if sv.Volume.Placements != nil {
		return fmt.Errorf("journal: volume %q: updateVolume cannot change placements", label)
	}
	out, err := volumeJSON(sv.Volume, sv.Placements.b)
	if err != nil {
		return err
	}
	return tx.Put(bVolumes, u64(n), out)
}

// VolumeMeta returns the volume labelled label without its placements
// (Placements nil); ErrNotFound. Volume decodes every placement: about
// 50 MB of heap for 500,000. See Placements.
func (j *Journal) VolumeMeta(ctx context.Context, label string) (Volume, error) {
	var v Volume
	err := j.view(func(tx Tx) error {
		var err error
		v, _, _, err = getVolumeMeta(tx, label)
		return err
	})
	return v, err
}

// getVolumeMeta decodes volume label but for its placements, and returns
// the record and the offset of the placements' JSON text in it.
func getVolumeMeta(tx Tx, label string) (Volume, []byte, int, error) {
	sv, _, b, err := readVolumeSansPlacements(tx, label)
	if err != nil {
		return Volume{}, nil, 0, err
	}
	off := len(b) // no placements field: none
	if sv.Placements.b != nil {
		off = cap(b) - cap(sv.Placements.b) // a slice of b (rawJSON)
	}
	return sv.Volume, b, off, nil
}

// readVolumeSansPlacements looks volume label up and decodes its record
// but for its placements; it returns the record's seal-order key and bytes.
func readVolumeSansPlacements(tx Tx, label string) (volumeSansPlacements, uint64, []byte, error) {
	var sv volumeSansPlacements
	nb := tx.Get(bIdxLabel, []byte(label))
	if nb == nil {
		return sv, 0, nil, fmt.Errorf("%w: volume %q", ErrNotFound, label)
	}
	n := getU64(nb)
	b := tx.Get(bVolumes, u64(n))
	if b == nil {
		return sv, 0, nil, fmt.Errorf("%w: volume %q (index stale; run journal rebuild)", ErrNotFound, label)
	}
	if err := json.Unmarshal(b, &sv); err != nil {
		return sv, 0, nil, &CorruptError{Bucket: bVolumes, Key: u64(n), Err: err}
	}
	return sv, n, b, nil
}

// Placements calls fn for every placement of volume label, in the order
// recorded, reading pageSize of them per short read transaction from the
// record's JSON text (fn runs outside the transactions), so that no more
// than a page is decoded at a time; ErrNotFound. The placements of a
// recorded volume never change; the fields before them in the record
// neither, which each page checks.
func (j *Journal) Placements(ctx context.Context, label string, fn func(Placement) error) error {
	var prefix []byte
	pos := -1 // offset in the placements' text after the last element read; -1 before the first page
	for {
		var page []Placement
		end := false
		err := j.view(func(tx Tx) error {
			var b []byte
			off := len(prefix)
			if prefix == nil { // decoded once: a page only compares the bytes before the placements
				var err error
				if _, b, off, err = getVolumeMeta(tx, label); err != nil {
					return err
				}
				prefix = append([]byte{}, b[:off]...)
			} else {
				nb := tx.Get(bIdxLabel, []byte(label))
				if nb != nil {
					b = tx.Get(bVolumes, nb)
				}
				if len(b) < off || !bytes.Equal(b[:off], prefix) {
					return fmt.Errorf("journal: volume %q changed while its placements were read", label)
				}
			}
			var err error
			page, pos, end, err = placementsPage(b[off:], pos, pageSize)
			if err != nil {
				return &CorruptError{Bucket: bVolumes, Key: []byte(label), Err: err}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, p := range page {
			if err := fn(p); err != nil {
				return err
			}
		}
		if end {
			return nil
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
	}
}

// placementsPage decodes up to n elements of the JSON array text (or
// null, or nothing) starting after the element ending at pos (-1: at the
// array's start), and returns them, the position after the last, and
// whether the array ended.
func placementsPage(text []byte, pos, n int) ([]Placement, int, bool, error) {
	first := pos < 0
	pos = max(pos, 0)
	ws := func() {
		for pos < len(text) && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r') {
			pos++
		}
	}
	ws()
	if first {
		if pos == len(text) || bytes.HasPrefix(text[pos:], []byte("null")) {
			return nil, 0, true, nil
		}
		if text[pos] != '[' {
			return nil, 0, false, fmt.Errorf("placements: %.20q is not an array", text)
		}
		pos++
		ws()
		if pos < len(text) && text[pos] == ']' {
			return nil, pos, true, nil
		}
	} else {
		if pos < len(text) && text[pos] == ']' {
			return nil, pos, true, nil
		}
		if pos >= len(text) || text[pos] != ',' {
			return nil, pos, false, fmt.Errorf("placements: no ',' or ']' at %d", pos)
		}
		pos++
	}
	var out []Placement
	for {
		ws()
		e, err := objectEnd(text, pos)
		if err != nil {
			return nil, pos, false, err
		}
		var p Placement
		if err := json.Unmarshal(text[pos:e], &p); err != nil {
			return nil, pos, false, fmt.Errorf("placement at %d: %w", pos, err)
		}
		out = append(out, p)
		pos = e
		ws()
		if pos < len(text) && text[pos] == ']' {
			return out, pos, true, nil
		}
		if len(out) == n {
			return out, pos, false, nil
		}
		if pos >= len(text) || text[pos] != ',' {
			return nil, pos, false, fmt.Errorf("placements: no ',' or ']' at %d", pos)
		}
		pos++
	}
}

// objectEnd returns the offset just after the JSON object starting at
// text[pos] (strings and nesting honoured).
func objectEnd(text []byte, pos int) (int, error) {
	if pos >= len(text) || text[pos] != '{' {
		return 0, fmt.Errorf("placements: no object at %d", pos)
	}
	depth, inStr := 0, false
	for i := pos; i < len(text); i++ {
		c := text[i]
		switch {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("placements: unterminated object at %d", pos)
}
