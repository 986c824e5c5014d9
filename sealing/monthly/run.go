package monthly

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// Options configure Run.
type Options struct {
	Period   string                     // "YYYY-MM", a UTC month
	OutDir   string                     // images, read-backs and the report go here
	Profile  media.Profile              // medium; capacity in 2048-byte sectors
	Copies   int                        // copies burned per volume (with Devices or Queue); <1 means 1
	Devices  []string                   // xorriso drives ("/dev/sr0", "stdio:/path", "stdio:DIR/"); copy N goes to device (N-1) mod len. None: images only
	Signer   *openpgp.Entity            // unlocked archive signing key
	Keep     func(journal.Message) bool // legal holds: keep these bodies at release; nil keeps none
	Actor    string                     // audit actor
	Now      func() time.Time           // nil: time.Now
	Progress sealing.Progress           // how far each seal and verify step has come; nil: not reported

	// Queue burns nothing: each copy of each volume is added to the burn
	// queue QueueFile for burn --next, and a volume is released once all
	// its copies are burned and verified (by a later run). Devices must be
	// empty.
	Queue     bool
	QueueFile string // the burn queue (DATA/burn-queue.json); also read for Report.ToBurn

	// Changer gets a blank disc into a drive before each burn (its Status
	// defaults to media.QueryMedium); nil: not interactive, so a drive
	// without a blank disc refuses that copy (*NoBlankDiscError).
	Changer *Changer
	// Burn, ReadBack and Eject default to media.Burn, media.ReadBack and
	// media.Eject.
	Burn     func(ctx context.Context, device, image string) error
	ReadBack func(ctx context.Context, device string, sectors int64, w io.Writer) error
	Eject    func(ctx context.Context, device string) error
	// AfterBurn, when set, runs after each burn of image (TEST ONLY:
	// corrupting a copy); copy is 1-based.
	AfterBurn func(device, image string, copy int) error
}

func (o *Options) defaults() {
	if o.Copies < 1 {
		o.Copies = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

func (o *Options) burner(j *journal.Journal) *Burner {
	return &Burner{Journal: j, Signer: openpgp.EntityList{o.Signer}, Changer: o.Changer, Burn: o.Burn, ReadBack: o.ReadBack, Eject: o.Eject,
		ReadbackDir: filepath.Join(o.OutDir, "readback"), Now: o.Now, Progress: o.Progress, AfterBurn: o.AfterBurn}
}

// Run does the monthly job for every tenant of j (see the package doc).
// Refusals are in the Report (Report.OK false), not the error; the error is
// non-nil only when the run could not go on at all (ctx cancelled, journal
// unreadable, OutDir not writable). When it stops after starting on the
// tenants, the Report of what was done so far (earlier tenants may have
// been released) is returned with the error, OK false and Error set. The
// caller writes the report files, also then.
func Run(ctx context.Context, j *journal.Journal, o Options) (*Report, error) {
	o.defaults()
	if _, _, err := format.MonthPeriod(o.Period); err != nil {
		return nil, fmt.Errorf("monthly: period %q: want YYYY-MM", o.Period)
	}
	if o.Signer == nil {
		return nil, errors.New("monthly: no signer")
	}
	if o.Queue && (len(o.Devices) > 0 || o.QueueFile == "") {
		return nil, errors.New("monthly: Queue needs QueueFile and no Devices")
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("monthly: %w", err)
	}
	rep := &Report{Period: o.Period, Started: o.Now().UTC(), Signer: pgp.Fingerprint(o.Signer), Copies: o.Copies, Devices: o.Devices, Queue: o.Queue, OK: true}
	if len(o.Devices) == 0 && !o.Queue {
		rep.Copies = 0
	}
	tenants, err := j.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tenants {
		tr, err := runTenant(ctx, j, o, t.Name)
		if err != nil {
			// what earlier tenants did (sealed, released) must still be reported
			rep.OK, rep.Error, rep.Finished = false, fmt.Sprintf("stopped at tenant %s: %v", t.Name, err), o.Now().UTC()
			return rep, err
		}
		if len(tr.Refusals) > 0 {
			rep.OK = false
		}
		rep.Tenants = append(rep.Tenants, tr)
	}
	if err := rep.listToBurn(ctx, j, o); err != nil {
		rep.OK, rep.Error, rep.Finished = false, err.Error(), o.Now().UTC()
		return rep, err
	}
	rep.Finished = o.Now().UTC()
	return rep, nil
}

// listToBurn queues the discs this run queued (Queue) and sets
// rep.ToBurn: every disc of the queue still to burn, then the discs this
// run did not burn or that failed.
func (rep *Report) listToBurn(ctx context.Context, j *journal.Journal, o Options) error {
	var queued, unburned []DiscCopy
	for _, t := range rep.Tenants {
		queued, unburned = append(queued, t.queued...), append(unburned, t.unburned...)
	}
	if o.QueueFile == "" {
		rep.ToBurn = unburned
		return nil
	}
	q := Queue{Path: o.QueueFile}
	if len(queued) > 0 {
		if err := q.Update(queued, nil); err != nil {
			return err
		}
	}
	pending, err := q.Pending(ctx, j)
	if err != nil {
		return err
	}
	rep.ToBurn = append(pending, unburned...)
	return nil
}

func runTenant(ctx context.Context, j *journal.Journal, o Options, tenant string) (*TenantReport, error) {
	tr := &TenantReport{Tenant: tenant}
	from, until, err := format.MonthPeriod(o.Period) // checked by Run
	if err != nil {
		return nil, err
	}
	unsealed, err := j.UnsealedSeqs(ctx, tenant, from, until)
	if err != nil {
		return nil, err
	}
	if len(unsealed) > 0 { // a tenant with nothing to seal is not refused for lacking keys
		res, err := sealing.Seal(ctx, j, sealing.SealOptions{Tenant: tenant, Period: o.Period, Profile: o.Profile, OutDir: o.OutDir,
			Signer: o.Signer, Now: o.Now, Progress: o.Progress, Actor: o.Actor})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			reason := err.Error()
			if errors.Is(err, sealing.ErrNoRecipients) {
				reason += "; set its key with: archiver tenant keys " + tenant + " --recipient PUB.asc"
			}
			tr.refuse("seal", "", "", reason)
			return tr, nil
		}
		tr.Messages = res.Messages
	}
	vols, err := pending(ctx, j, tenant, o.Period)
	if err != nil {
		return nil, err
	}
	for _, set := range bySet(vols) {
		if err := checkSet(ctx, j, o, tr, set); err != nil {
			return nil, err
		}
	}
	if len(tr.Refusals) > 0 {
		for _, v := range tr.Volumes {
			v.ReleaseReason = "tenant has refusals in this run; nothing released"
		}
		return tr, nil
	}
	need := 1
	if len(o.Devices) > 0 || o.Queue {
		need = o.Copies + 1 // the image and every burned copy
	}
	for _, v := range tr.Volumes {
		if n := v.waiting(); n > 0 {
			v.ReleaseReason = fmt.Sprintf("waiting for %d queued discs (archiver burn --next)", n)
			continue
		}
		r, err := sealing.Release(ctx, j, v.Label, sealing.ReleaseOptions{Copies: need, Keep: o.Keep, Actor: o.Actor, Now: o.Now})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			v.ReleaseReason = err.Error()
			tr.refuse("release", v.Label, "", err.Error())
			continue
		}
		v.Released = true
		tr.Released += r.Released
		tr.Kept += r.Kept
		tr.BytesFreed += r.BytesFreed
	}
	return tr, nil
}

func (tr *TenantReport) refuse(step, label, copy, reason string) {
	tr.Refusals = append(tr.Refusals, Refusal{Step: step, Label: label, Copy: copy, Reason: reason})
}

// pending returns the tenant's volumes of period that are not released.
func pending(ctx context.Context, j *journal.Journal, tenant, period string) ([]journal.Volume, error) {
	all, err := j.Volumes(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []journal.Volume
	for _, v := range all {
		if v.Period == period && v.Released.IsZero() {
			out = append(out, v)
		}
	}
	return out, nil
}

// bySet groups volumes by set id, each group in index order.
func bySet(vols []journal.Volume) [][]journal.Volume {
	m := map[string][]journal.Volume{}
	var ids []string
	for _, v := range vols {
		if _, ok := m[v.SetID]; !ok {
			ids = append(ids, v.SetID)
		}
		m[v.SetID] = append(m[v.SetID], v)
	}
	var out [][]journal.Volume
	for _, id := range ids {
		s := m[id]
		sort.Slice(s, func(a, b int) bool { return s[a].Index < s[b].Index })
		out = append(out, s)
	}
	return out
}

func hexsum(b [32]byte) string { return hex.EncodeToString(b[:]) }
