package monthly

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of one Run.
type Report struct {
	Period   string          `json:"period"` // YYYY-MM
	Started  time.Time       `json:"started"`
	Finished time.Time       `json:"finished"`
	Signer   string          `json:"signer"` // archive key fingerprint
	Copies   int             `json:"copies"`
	Devices  []string        `json:"devices,omitempty"`
	Queue    bool            `json:"queue,omitempty"` // run --queue: discs queued for burn --next, none burned
	Tenants  []*TenantReport `json:"tenants"`
	OK       bool            `json:"ok"` // nothing refused anywhere
	// ToBurn is every disc still to burn: the burn queue's (archiver burn
	// --next), then those this run could not burn. Release waits for them.
	ToBurn []DiscCopy `json:"to_burn,omitempty"`
	// Error says why the run stopped before every tenant was done ("" when
	// it finished); the tenants listed are those done or started.
	Error string `json:"error,omitempty"`
}

// TenantReport is one tenant's part of the run.
type TenantReport struct {
	Tenant     string          `json:"tenant"`
	Messages   int             `json:"messages"` // sealed in this run
	Volumes    []*VolumeReport `json:"volumes"`
	Refusals   []Refusal       `json:"refusals,omitempty"`
	Released   int             `json:"released"`    // messages whose bodies were deleted
	Kept       int             `json:"kept"`        // released but kept by a legal hold
	BytesFreed int64           `json:"bytes_freed"` // bytes

	queued, unburned []DiscCopy // for Report.ToBurn: queued, and not burned or failed
}

// VolumeReport is one volume: what to write on the disc and how it checked.
type VolumeReport struct {
	Label    string  `json:"label"`
	Image    string  `json:"image"`
	Messages int     `json:"messages"`
	FirstSeq uint64  `json:"first_seq"`
	LastSeq  uint64  `json:"last_seq"`
	SHA256   string  `json:"image_sha256"`
	Bytes    int64   `json:"image_bytes"`
	Signer   string  `json:"signer"`
	Checks   []Check `json:"verifications"`
	// Discs is each burned copy: where, and how it checked.
	Discs         []DiscReport `json:"discs,omitempty"`
	Released      bool         `json:"released"`
	ReleaseReason string       `json:"release_refused,omitempty"`
}

// waiting is the number of the volume's discs queued to burn.
func (v *VolumeReport) waiting() int {
	n := 0
	for _, d := range v.Discs {
		if d.State == DiscQueued {
			n++
		}
	}
	return n
}

// Check is one verification of one copy.
type Check struct {
	Copy     string   `json:"copy"` // "image", or "copy N on DEVICE"
	Method   string   `json:"method"`
	SHA256   string   `json:"sha256,omitempty"` // of the bytes checked
	OK       bool     `json:"ok"`
	Findings []string `json:"findings,omitempty"`
}

// Refusal is anything that stopped a tenant's release, with its reason.
type Refusal struct {
	Step   string `json:"step"` // "seal", "verify", "burn", "readback", "release"
	Label  string `json:"label,omitempty"`
	Copy   string `json:"copy,omitempty"`
	Reason string `json:"reason"`
}

// WriteText writes the human report.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "archiver monthly run %s\nstarted %s, finished %s\nsigner %s\ncopies %d%s\n\n", r.Period,
		r.Started.Format(time.RFC3339), r.Finished.Format(time.RFC3339), r.Signer, r.Copies, devs(r.Devices, r.Queue))
	for _, t := range r.Tenants {
		fmt.Fprintf(tw, "TENANT %s: %d messages sealed, %d released, %d kept by hold, %d bytes freed\n", t.Tenant, t.Messages, t.Released, t.Kept, t.BytesFreed)
		for _, v := range t.Volumes {
			fmt.Fprintf(tw, "  volume %s\t%d messages\tseq %d-%d\n", v.Label, v.Messages, v.FirstSeq, v.LastSeq)
			fmt.Fprintf(tw, "    image %s\n    sha256 %s\n    signer %s\n", v.Image, v.SHA256, v.Signer)
			for _, c := range v.Checks {
				ok := "OK"
				if !c.OK {
					ok = "FAILED"
				}
				fmt.Fprintf(tw, "    verify %s\t%s\t%s\t%s\n", c.Copy, c.Method, ok, c.SHA256)
				for _, f := range c.Findings {
					fmt.Fprintf(tw, "      %s\n", f)
				}
			}
			for _, d := range v.Discs {
				fmt.Fprintf(tw, "    %s\n", d.Line(v.Label))
			}
			if v.Released {
				fmt.Fprintf(tw, "    released\n")
			} else if v.ReleaseReason != "" {
				fmt.Fprintf(tw, "    NOT released: %s\n", v.ReleaseReason)
			}
		}
		for _, f := range t.Refusals {
			fmt.Fprintf(tw, "  REFUSED %s %s %s: %s\n", f.Step, f.Label, f.Copy, f.Reason)
		}
		fmt.Fprintln(tw)
	}
	if len(r.ToBurn) > 0 {
		fmt.Fprintf(tw, "STILL TO BURN: %d discs (archiver burn --next burns the queued ones, one at a time); release waits for them\n", len(r.ToBurn))
		for _, d := range r.ToBurn {
			fmt.Fprintf(tw, "  %s\t%s\tsha256 %s\n", d, d.Image, d.ImageSHA256)
		}
		fmt.Fprintln(tw)
	}
	switch {
	case r.Error != "":
		fmt.Fprintf(tw, "result: STOPPED, %s; the tenants above are all that ran, the rest were not sealed or released (rerun to resume)\n", r.Error)
	case r.OK && len(r.ToBurn) > 0:
		fmt.Fprintf(tw, "result: OK, %d discs still to burn\n", len(r.ToBurn))
	case r.OK:
		fmt.Fprintln(tw, "result: OK")
	default:
		fmt.Fprintln(tw, "result: REFUSED (see above); nothing of a refused tenant was released")
	}
	return tw.Flush()
}

func devs(d []string, queue bool) string {
	if queue {
		return " (queued for archiver burn --next)"
	}
	if len(d) == 0 {
		return " (no devices: images only)"
	}
	return " on " + strings.Join(d, ", ")
}

// WriteFiles writes the report as dir/run-PERIOD.txt and dir/run-PERIOD.json,
// or, when a report of that period is already there (a rerun), as
// run-PERIOD-2.txt/.json, -3, …: an earlier report is never overwritten. It
// returns the paths written.
func (r *Report) WriteFiles(dir string) (txt, js string, err error) {
	for n := 1; ; n++ {
		base := "run-" + r.Period
		if n > 1 {
			base += fmt.Sprintf("-%d", n)
		}
		txt, js = filepath.Join(dir, base+".txt"), filepath.Join(dir, base+".json")
		if fileExists(txt) || fileExists(js) {
			continue
		}
		f, err := os.OpenFile(txt, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) { // a concurrent run took the name
			continue
		}
		if err != nil {
			return "", "", err
		}
		if err := r.WriteText(f); err != nil {
			f.Close()
			return "", "", err
		}
		if err := syncClose(f); err != nil {
			return "", "", err
		}
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return "", "", err
		}
		if err := writeNew(js, append(b, '\n')); err != nil {
			return "", "", err
		}
		return txt, js, syncDir(dir)
	}
}

// writeNew creates path with b and fsyncs it; it fails if path exists.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return syncClose(f)
}

// syncClose fsyncs and closes f. The report is the only record, besides
// the audit trail, of what a run released: a rerun lists released
// volumes no more, so it must survive a crash right after the run.
func syncClose(f *os.File) error {
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs dir so that the report files created in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
