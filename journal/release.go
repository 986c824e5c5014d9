package journal

import (
	"context"
	"fmt"
)

// ReleaseOptions control Release.
type ReleaseOptions struct {
	Copies int                // distinct copies with an OK deep Verification required; <1 means 1
	Keep   func(Message) bool // legal hold: true keeps the body in the journal
	Actor  string             // audit actor; "" means Options.Actor
}

// ReleaseResult says what Release did.
type ReleaseResult struct {
	Released   int   // messages whose body was deleted
	Kept       int   // messages released but whose body a hold kept
	BytesFreed int64 // bytes of body data deleted
}

// Release deletes the journal bodies of the messages on volume label once
// at least opts.Copies distinct copies (Verification.Copy) have as their
// latest verification an OK "deep" one; otherwise ErrNotVerified saying how many there are.
// Messages for which opts.Keep is true (or that KeepBody marked) keep
// their bodies. Every message becomes State Released; records stay. The
// volume's VerifyKey is wiped and Released set. ErrReleased if the volume
// was already released. Raises "release-freed-nothing" when there were
// bodies to free but no byte was freed. Audited as "release".
func (j *Journal) Release(ctx context.Context, label string, opts ReleaseOptions) (ReleaseResult, error) {
	if opts.Copies < 1 {
		opts.Copies = 1
	}
	if opts.Actor == "" {
		opts.Actor = j.actor(ctx)
	}
	v, err := j.Volume(ctx, label)
	if err != nil {
		return ReleaseResult{}, err
	}
	if err := releasable(v, opts.Copies); err != nil {
		return ReleaseResult{}, err
	}
	keep, err := j.keepSet(ctx, v, opts.Keep)
	if err != nil {
		return ReleaseResult{}, err
	}
	var res ReleaseResult
	var toFree int
	err = j.update(func(tx Tx) error {
		res, toFree = ReleaseResult{}, 0
		return j.releaseTx(tx, label, opts, keep, &res, &toFree)
	})
	if err == nil && toFree > 0 && res.BytesFreed == 0 {
		j.RaiseAlarm(Alarm{Kind: "release-freed-nothing", Tenant: v.Tenant, Message: fmt.Sprintf(
			"release of %s should have freed %d bodies but freed 0 bytes; run journal check", label, toFree)})
	}
	return res, err
}

// releasable checks the verification rule.
func releasable(v Volume, copies int) error {
	if !v.Released.IsZero() {
		return fmt.Errorf("%w: volume %s was released %s", ErrReleased, v.Label, v.Released.Format("2006-01-02T15:04:05Z"))
	}
	good := goodCopies(v.Verifications)
	if good < copies {
		return fmt.Errorf("%w: volume %s has %d OK deep verification(s) of distinct copies, %d required (only each copy's latest verification counts); run archiver verify --data on each copy",
			ErrNotVerified, v.Label, good, copies)
	}
	return nil
}

// goodCopies counts the distinct copies whose latest verification (in the
// order recorded) is an OK "deep" one: a later failed or hash-only check
// of a copy withdraws its earlier success.
func goodCopies(vers []Verification) int {
	latest := map[string]Verification{}
	for _, ver := range vers {
		latest[ver.Copy] = ver
	}
	good := 0
	for _, ver := range latest {
		if ver.OK && ver.Method == "deep" {
			good++
		}
	}
	return good
}

// keepSet evaluates keep outside any transaction: seqs whose body stays.
func (j *Journal) keepSet(ctx context.Context, v Volume, keep func(Message) bool) (map[uint64]bool, error) {
	out := map[uint64]bool{}
	if keep == nil {
		return out, nil
	}
	for _, p := range v.Placements {
		m, err := j.Message(ctx, v.Tenant, p.Seq)
		if err != nil {
			return nil, err
		}
		if keep(m) {
			out[p.Seq] = true
		}
	}
	return out, nil
}

func (j *Journal) releaseTx(tx Tx, label string, opts ReleaseOptions, keep map[uint64]bool, res *ReleaseResult, toFree *int) error {
	v, n, err := getVolume(tx, label)
	if err != nil {
		return err
	}
	if err := releasable(v, opts.Copies); err != nil {
		return err
	}
	for _, p := range v.Placements {
		if err := releaseMessage(tx, v, p.Seq, keep[p.Seq], res, toFree); err != nil {
			return err
		}
	}
	v.Released, v.VerifyKey = j.now(), nil
	if err := putVolume(tx, n, v); err != nil {
		return err
	}
	_, err = appendAudit(tx, j.now(), opts.Actor, "release", fmt.Sprintf(
		"release %s (copies %d): %d bodies deleted, %d kept by hold, %d bytes freed",
		label, opts.Copies, res.Released, res.Kept, res.BytesFreed))
	return err
}

func releaseMessage(tx Tx, v Volume, seq uint64, keep bool, res *ReleaseResult, toFree *int) error {
	rec, err := lookupSeq(tx, v.Tenant, seq)
	if err != nil {
		return err
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
	err = addStats(tx, v.Tenant, func(s *tenantStats) {
		s.Sealed--
		s.Released++
		if !rec.HasBody {
			s.BodyBytes -= rec.Size
		}
	})
	if err != nil {
		return err
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
