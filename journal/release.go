package journal

import (
	"context"
	"crypto/sha256"
	"fmt"
)

// ReleaseOptions control Release.
type ReleaseOptions struct {
	Copies int                // distinct copies with an OK deep Verification required; <1 means 1
	Keep   func(Message) bool // legal hold: true keeps the body in the journal
	Actor  string             // audit actor; "" means Options.Actor
	// Counted, when not empty, are the copies (Verification.Copy) that the
	// caller counted as distinct after checking them itself: only these
	// count, each once, and each must still have an OK "deep" latest
	// verification in every transaction. Empty: every distinct Copy
	// counts.
	Counted []string
}

// ReleaseResult says what Release did.
type ReleaseResult struct {
	Released   int   // messages whose body was deleted
	Kept       int   // messages released but whose body a hold kept
	BytesFreed int64 // bytes of body data deleted
}

// Release deletes the journal bodies of the messages on volume label once
// at least opts.Copies distinct copies (Verification.Copy, among
// opts.Counted when given) have as their latest verification an OK "deep"
// one; otherwise ErrNotVerified saying how many there are.
// Messages for which opts.Keep is true (or that KeepBody marked) keep
// their bodies. Every message becomes State Released; records stay. The
// volume's VerifyKey is wiped and Released set. ErrReleased if the volume
// was already released. Raises "release-freed-nothing" when there were
// bodies to free but no byte was freed. Audited as "release".
//
// Messages are released defaultReleaseChunk per transaction, each of which checks
// the verification rule again, and a last transaction marks the volume
// released, wipes its key and audits it: one transaction for a full DVD of
// small mail (500,000 records rewritten, 4 GiB of bodies freed) would hold
// every dirty page in memory. An interrupted Release (a crash, a full
// disk) leaves some of the volume's messages released and the volume not
// marked; every one of them was on a verified volume when its body went,
// and running Release again finishes the rest (already released messages
// are skipped and not counted again).
func (j *Journal) Release(ctx context.Context, label string, opts ReleaseOptions) (ReleaseResult, error) {
	if opts.Copies < 1 {
		opts.Copies = 1
	}
	if opts.Actor == "" {
		opts.Actor = j.actor(ctx)
	}
	v, err := j.VolumeMeta(ctx, label)
	if err != nil {
		return ReleaseResult{}, err
	}
	if err := releasable(v, opts.Copies, opts.Counted); err != nil {
		return ReleaseResult{}, err
	}
	// The placed seqs (8 bytes each) and the holds, evaluated outside any
	// transaction (Keep may read the catalog).
	var seqs []uint64
	keep := map[uint64]bool{}
	err = j.Placements(ctx, label, func(p Placement) error {
		seqs = append(seqs, p.Seq)
		if opts.Keep == nil {
			return nil
		}
		m, err := j.Message(ctx, v.Tenant, p.Seq)
		if err != nil {
			return err
		}
		if opts.Keep(m) {
			keep[p.Seq] = true
		}
		return nil
	})
	if err != nil {
		return ReleaseResult{}, err
	}
	var res ReleaseResult
	toFree := 0
	// The volume's record is decoded again only when it changed between
	// transactions (a verification added): decoding skims all its
	// placements' JSON, about 0.1 s at 500,000, under the writer's lock.
	var meta Volume
	var metaSum [32]byte
	for n, start := 1, 0; start < len(seqs); n, start = n+1, start+j.hooks.releaseChunk {
		if j.hooks.releaseFault != nil {
			if err := j.hooks.releaseFault(n); err != nil {
				return res, err
			}
		}
		chunk := seqs[start:min(start+j.hooks.releaseChunk, len(seqs))]
		var cres ReleaseResult
		var cfree int
		err := j.update(func(tx Tx) error {
			cres, cfree = ReleaseResult{}, 0
			var raw []byte
			if nb := tx.Get(bIdxLabel, []byte(label)); nb != nil {
				raw = tx.Get(bVolumes, nb)
			}
			if sum := sha256.Sum256(raw); raw == nil || sum != metaSum {
				m, _, _, err := getVolumeMeta(tx, label)
				if err != nil {
					return err
				}
				meta, metaSum = m, sum
			}
			if err := releasable(meta, opts.Copies, opts.Counted); err != nil {
				return err
			}
			var d tenantStats // added to the tenant's counters once per transaction
			for _, seq := range chunk {
				if err := releaseMessage(tx, meta, seq, keep[seq], &cres, &cfree, &d); err != nil {
					return err
				}
			}
			return addStats(tx, meta.Tenant, func(s *tenantStats) {
				s.Sealed += d.Sealed
				s.Released += d.Released
				s.BodyBytes += d.BodyBytes
			})
		})
		if err != nil {
			return res, err
		}
		res.Released += cres.Released
		res.Kept += cres.Kept
		res.BytesFreed += cres.BytesFreed
		toFree += cfree
	}
	err = j.update(func(tx Tx) error {
		return updateVolume(tx, label, func(v *Volume) error {
			if err := releasable(*v, opts.Copies, opts.Counted); err != nil {
				return err
			}
			v.Released, v.VerifyKey = j.now(), nil
			_, err := appendAudit(tx, j.now(), opts.Actor, "release", fmt.Sprintf(
				"release %s (copies %d): %d bodies deleted, %d kept by hold, %d bytes freed",
				label, opts.Copies, res.Released, res.Kept, res.BytesFreed))
			return err
		})
	})
	if err == nil && toFree > 0 && res.BytesFreed == 0 {
		j.RaiseAlarm(Alarm{Kind: "release-freed-nothing", Tenant: v.Tenant, Message: fmt.Sprintf(
			"release of %s should have freed %d bodies but freed 0 bytes; run journal check", label, toFree)})
	}
	return res, err
}

// defaultReleaseChunk is how many messages one Release transaction
// releases (j.hooks.releaseChunk; tests lower it).
const defaultReleaseChunk = 2048

// releasable checks the verification rule.
func releasable(v Volume, copies int, counted []string) error {
	if !v.Released.IsZero() {
		return fmt.Errorf("%w: volume %s was released %s", ErrReleased, v.Label, v.Released.Format("2006-01-02T15:04:05Z"))
	}
	good := goodCopies(v.Verifications, counted)
	if good < copies {
		return fmt.Errorf("%w: volume %s has %d OK deep verification(s) of distinct copies, %d required (only each copy's latest verification counts); run archiver verify --data on each copy",
			ErrNotVerified, v.Label, good, copies)
	}
	return nil
}

// goodCopies counts the distinct copies (among counted, if not empty)
// whose latest verification (in the order recorded) is an OK "deep" one:
// a later failed or hash-only check of a copy withdraws its earlier
// success.
func goodCopies(vers []Verification, counted []string) int {
	latest := map[string]Verification{}
	for _, ver := range vers {
		latest[ver.Copy] = ver
	}
	if len(counted) > 0 {
		only := map[string]Verification{}
		for _, c := range counted {
			if ver, ok := latest[c]; ok {
				only[c] = ver
			}
		}
		latest = only
	}
	good := 0
	for _, ver := range latest {
		if ver.OK && ver.Method == "deep" {
			good++
		}
	}
	return good
}

// releaseMessage releases one message of volume v in tx and adds its
// change of the tenant's counters to d. A message an interrupted Release
// of the same volume already released is left alone.
func releaseMessage(tx Tx, v Volume, seq uint64, keep bool, res *ReleaseResult, toFree *int, d *tenantStats) error {
	rec, err := lookupSeq(tx, v.Tenant, seq)
	if err != nil {
		return err
	}
	if rec.State == Released && rec.Volume == v.Label {
		return nil
	}
	if rec.State != Sealed || rec.Volume != v.Label {
		return fmt.Errorf("journal: %s/%d is %s on %q, not sealed on %s", v.Tenant, seq, rec.State, rec.Volume, v.Label)
	}
	rec.State = Released
	freed := int64(0)
	if keep || rec.Keep {
		res.Kept++
	} else if rec.HasBody {
		if rec.Size > 0 {
			*toFree++
		}
		if freed, err = deleteBody(tx, rec.BodyID); err != nil {
			return err
		}
		rec.HasBody, rec.BodyID = false, 0
		res.Released++
		res.BytesFreed += freed
	}
	d.Sealed--
	d.Released++
	if !rec.HasBody {
		d.BodyBytes -= rec.Size
	}
	return putRecord(tx, &rec)
}

// KeepBody marks a message so that Release keeps its body (a hold added
// before release). After release there is nothing to do: it returns nil.
func (j *Journal) KeepBody(ctx context.Context, tenant string, seq uint64) error {
	return j.update(func(tx Tx) error {
		rec, err := lookupSeq(tx, tenant, seq)
		if err != nil {
			return err
		}
		if rec.Keep || rec.State == Released {
			return nil
		}
		rec.Keep = true
		return putRecord(tx, &rec)
	})
}
