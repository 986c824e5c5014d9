package sealing

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// SealOptions says what to seal and where.
type SealOptions struct {
	Tenant    string
	Period    string           // "YYYY-MM": the UTC month [YYYY-MM-01T00:00Z, next month); or "" with Until
	Until     time.Time        // catch-up: every unsealed message received before Until (UTC); used when Period is ""
	Profile   media.Profile    // medium; capacity in 2048-byte sectors
	OutDir    string           // images are written here as T-YYYY-MM-vKKofNN.iso
	Signer    *openpgp.Entity  // archive signing key (unlocked)
	AuditHead *journal.Event   // audit chain head written on the discs; nil: j.AuditHead
	Now       func() time.Time // nil: time.Now; the sealed time, UTC
	Progress  Progress         // how far each step has come; nil: not reported
	Logger    *slog.Logger     // nil: discard
	Actor     string           // audit actor for verifications; "" : "seal"
	Fault     FaultFunc        // TEST ONLY fault hook; nil: none
}

// SealedImage is one image written by Seal.
type SealedImage struct {
	Path     string   // OutDir/NAME.iso
	Label    string   // ISO volume identifier
	SHA256   [32]byte // of the whole image
	Bytes    int64
	Messages int
	FirstSeq uint64
	LastSeq  uint64
}

// SealResult says what Seal did. Empty is true (and Images nil) when the
// period held no unsealed message: no image is written, not an error.
type SealResult struct {
	Tenant      string
	Period      string
	SetID       string
	Images      []SealedImage
	Messages    int
	Cipher      string // e.g. "AES256"
	Compression string // "ZLIB" or "none"
	Empty       bool
}

// Seal seals every unsealed message of opts.Tenant received in the period
// into a volume set on opts.OutDir, packed to capacity (a message is never
// split), each image self-verified deeply with the independent reader and
// the volume verification key against the journal, and only then records
// the whole set atomically (journal.RecordSealed) with one "deep"
// verification per image. Errors: *TooLargeError, ErrNoRecipients,
// *VerifyError, media and journal errors, ctx errors. On any error nothing
// is recorded and the work files and partial images it created are
// removed; a file it did not create is never removed.
//
// Seal holds an exclusive lock on OutDir (OutDir/.seal.lock, flock) from
// before it reads the journal until it returns, so the label round, the
// stale-file removal and the unsealed messages are all read under it. A
// second Seal into the same OutDir meanwhile (this process or another)
// fails at once with a *SealInProgressError (ErrSealInProgress) and
// touches nothing. Seals into different OutDirs may run at once: the one
// refused by RecordSealed (journal.ErrAlreadySealed) removes only its own
// images.
func Seal(ctx context.Context, j *journal.Journal, opts SealOptions) (*SealResult, error) {
	s, err := newSealer(ctx, j, opts)
	if err != nil {
		return nil, err
	}
	defer s.unlock()
	seqs, err := j.UnsealedSeqs(ctx, opts.Tenant, s.from, s.until) // records are read as they are staged
	if err != nil {
		return nil, err
	}
	s.res.Messages = len(seqs)
	if len(seqs) == 0 {
		s.res.Empty = true
		s.log.Info("nothing to seal", "tenant", opts.Tenant, "period", s.period)
		return s.res, nil
	}
	err = s.run(ctx, seqs)
	s.cleanup(err != nil)
	if err != nil {
		return nil, err
	}
	return s.res, nil
}

// sealer holds the state of one Seal run.
type sealer struct {
	j          *journal.Journal
	opts       SealOptions
	log        *slog.Logger
	from       time.Time
	until      time.Time
	period     string // journal.Volume.Period
	tag        string // period plus round tag, for labels and names
	now        time.Time
	recipients openpgp.EntityList
	signerPub  []byte
	audit      journal.Event
	prev       [32]byte // SHA256SUMS hash of the tenant's last volume
	work       string
	spool      *os.File      // work/spool: every staged ciphertext, appended
	spoolW     *bufio.Writer // buffers writes to spool
	spoolEnd   int64         // bytes in spool
	spools     []*indexSpool // index work files, closed by cleanup
	sigBytes   int64         // SHA256SUMS.ASC size bound (sigSize); 0 until measured
	vols       []*volPlan
	built      []*volumeImage
	images     []ownFile // files written (partial or final), removed on failure
	workMade   bool      // work was created by this seal
	unlock     func()    // releases the OutDir lock
	res        *SealResult
}

// ownFile is a file this seal created: path now, and the file as created,
// so that cleanup removes it only while path is still that file.
type ownFile struct {
	path string
	info os.FileInfo
}

// newSealer checks opts, locks OutDir and, under the lock, reads the
// journal and removes stale files. On success the caller must call
// s.unlock.
func newSealer(ctx context.Context, j *journal.Journal, opts SealOptions) (_ *sealer, err error) {
	if opts.Fault == nil {
		opts.Fault = faultFromEnv()
	}
	s := &sealer{j: j, opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.now = time.Now().UTC()
	if opts.Now != nil {
		s.now = opts.Now().UTC()
	}
	if opts.Signer == nil {
		return nil, fmt.Errorf("sealing: no signing key")
	}
	if opts.Profile.Sectors <= 0 {
		return nil, fmt.Errorf("sealing: no media profile")
	}
	if opts.Period != "" {
		if s.from, s.until, err = format.MonthPeriod(opts.Period); err != nil {
			return nil, err
		}
		s.period = opts.Period
	} else if !opts.Until.IsZero() {
		s.until = opts.Until.UTC()
		s.period = format.UntilPeriod(s.until)
	} else {
		return nil, fmt.Errorf("sealing: give a period (YYYY-MM) or an until date")
	}
	t, err := j.Tenant(ctx, opts.Tenant)
	if err != nil {
		return nil, err
	}
	if len(t.Recipients) == 0 {
		return nil, fmt.Errorf("%w: %s (add one with archiver tenant add --recipient, or let it generate a key)", ErrNoRecipients, opts.Tenant)
	}
	if s.recipients, err = pgp.ReadRecipients(t.Recipients); err != nil {
		return nil, fmt.Errorf("sealing: tenant %s: %w", opts.Tenant, err)
	}
	if s.signerPub, err = pgp.ArmorPublic(opts.Signer); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	if s.unlock, err = lockOutDir(opts.OutDir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.unlock()
		}
	}()
	if err := s.chainAndRound(ctx); err != nil {
		return nil, err
	}
	if opts.AuditHead != nil {
		s.audit = *opts.AuditHead
	} else if s.audit, err = j.AuditHead(ctx); err != nil {
		return nil, err
	}
	algs := pgp.Choose(s.recipients, true)
	s.res = &SealResult{Tenant: opts.Tenant, Period: s.period, SetID: s.setID(), Cipher: algs.Cipher, Compression: algs.Compression}
	s.removeStale()
	return s, nil
}

// chainAndRound finds the previous volume's SHA256SUMS hash and a label
// round not used yet for this period (a period sealed again gets "r2"…).
func (s *sealer) chainAndRound(ctx context.Context) error {
	vols, err := s.j.Volumes(ctx, s.opts.Tenant)
	if err != nil {
		return err
	}
	if len(vols) > 0 {
		s.prev = vols[len(vols)-1].SumsSHA256
	}
	for r := 1; ; r++ {
		s.tag = s.period
		if r > 1 {
			s.tag = fmt.Sprintf("%sr%d", s.period, r)
		}
		prefix := strings.TrimSuffix(format.Label(s.opts.Tenant, s.tag, 1, 1), "_V01OF01") + "_V"
		used := false
		for _, v := range vols {
			used = used || strings.HasPrefix(v.Label, prefix)
		}
		if !used {
			return nil
		}
	}
}

func (s *sealer) setID() string {
	var b [4]byte
	rand.Read(b[:])
	base := strings.TrimSuffix(format.Label(s.opts.Tenant, s.tag, 1, 1), "_V01OF01")
	return base + "_" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// removeStale deletes this tenant's leftovers of an interrupted Seal:
// work directories, *.iso.partial files, and complete images named for
// this period round, which no recorded volume uses. Names are matched
// exactly, so tenant "acme" never touches tenant "acme-corp"'s files.
// Called with OutDir locked: no other seal is writing there.
func (s *sealer) removeStale() {
	t := regexp.QuoteMeta(s.opts.Tenant)
	stale := regexp.MustCompile(`^(\.seal-work-` + t + `-[A-Z0-9_]+|` +
		t + `-(\d{4}-\d{2}|until-\d{4}-\d{2}-\d{2})(r\d+)?-v\d+of\d+\.iso\.partial|` +
		regexp.QuoteMeta(s.opts.Tenant+"-"+s.tag) + `-v\d+of\d+\.iso)$`)
	ents, _ := os.ReadDir(s.opts.OutDir)
	for _, e := range ents {
		if stale.MatchString(e.Name()) {
			p := filepath.Join(s.opts.OutDir, e.Name())
			s.log.Info("removing stale seal file", "path", p)
			os.RemoveAll(p)
		}
	}
	s.work = filepath.Join(s.opts.OutDir, ".seal-work-"+s.opts.Tenant+"-"+s.res.SetID)
}

func (s *sealer) run(ctx context.Context, seqs []uint64) error {
	if err := os.Mkdir(s.work, 0o700); err != nil { // never adopt a directory this seal did not make
		return fmt.Errorf("sealing: work dir: %w", err)
	}
	s.workMade = true
	// one spool file rather than a file per message: creating files costs
	// about 1 ms each on the file systems measured (docs/sealing.md)
	sp, err := os.Create(filepath.Join(s.work, "spool"))
	if err != nil {
		return fmt.Errorf("sealing: work dir: %w", err)
	}
	s.spool, s.spoolW = sp, bufio.NewWriterSize(sp, 256<<10)
	t := time.Now()
	if err := s.stage(ctx, seqs); err != nil {
		return err
	}
	s.log.Debug("seal phase", "phase", "encrypt", "messages", len(seqs), "took", time.Since(t))
	for _, v := range s.vols { // packing is done: its planner (per-file state) is not needed again
		v.planner = nil
	}
	t = time.Now()
	if err := s.fault(FaultStaged, 0); err != nil {
		return err
	}
	if err := s.writeImages(ctx); err != nil {
		return err
	}
	s.log.Debug("seal phase", "phase", "master", "images", len(s.vols), "took", time.Since(t))
	t = time.Now()
	vols, vers, err := s.verifyImages(ctx)
	if err != nil {
		return err
	}
	s.log.Debug("seal phase", "phase", "self-verify", "took", time.Since(t))
	if err := s.fault(FaultVerified, 0); err != nil {
		return err
	}
	for i := range vols { // the self-verification is stored with the volume, atomically
		vols[i].Verifications = []journal.Verification{vers[i]}
	}
	err = s.j.RecordSealed(ctx, vols...)
	if err == nil {
		err = s.fault(FaultRecordErr, 0)
	}
	if err != nil {
		// A commit can fail after its pages reached the disk: if the
		// journal holds this set anyway, its images must stay.
		if s.recorded(ctx, vols) {
			s.images = nil
			return fmt.Errorf("sealing: record: %w (the journal recorded the set all the same, so its images are kept: run archiver verify --data on them)", err)
		}
		return fmt.Errorf("sealing: record: %w", err)
	}
	s.images = nil // recorded: never remove them now
	return s.fault(FaultRecorded, 0)
}

// recorded reports whether the journal holds this seal's set: its first
// volume under its label, with this seal's set id and image hash.
func (s *sealer) recorded(ctx context.Context, vols []journal.Volume) bool {
	if len(vols) == 0 {
		return false
	}
	v, err := s.j.VolumeMeta(context.WithoutCancel(ctx), vols[0].Label)
	return err == nil && v.SetID == vols[0].SetID && v.ImageSHA256 == vols[0].ImageSHA256
}

// cleanup removes the work dir, and on failure every image not recorded,
// each only if it is still the file this seal created (os.SameFile): never
// an image another seal put under the same name.
func (s *sealer) cleanup(failed bool) {
	if s.spool != nil {
		s.spool.Close()
	}
	for _, ix := range s.spools {
		ix.Close()
	}
	if s.workMade {
		os.RemoveAll(s.work)
	}
	if failed {
		for _, f := range s.images {
			if fi, err := os.Lstat(f.path); err == nil && os.SameFile(fi, f.info) {
				os.Remove(f.path)
			} else if err == nil {
				s.log.Warn("not removing an image this seal did not write", "path", f.path)
			}
		}
	}
}
