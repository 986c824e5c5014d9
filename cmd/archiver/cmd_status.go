package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/urfave/cli/v2"
)

func statusCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "per-tenant counts, alarms and holds; exit 2 while an alarm is raised",
		Flags: []cli.Flag{dataFlag(), jsonFlag},
		Action: func(c *cli.Context) error {
			return runStatus(c.Context, e, c.String("data"), c.Bool("json"))
		},
	}
}

func runStatus(ctx context.Context, e *env, data string, asJSON bool) (err error) {
	s, err := e.open(ctx, data)
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	st, err := s.j.Status(ctx)
	if err != nil {
		return err
	}
	holds, err := s.j.Holds(ctx)
	if err != nil {
		return err
	}
	now := e.now().UTC()
	counts, err := holdCounts(ctx, s, holds)
	if err != nil {
		// the catalog is derived data: its failure is an alarm here, not a
		// status that hides every other alarm
		st.Alarms = append(st.Alarms, journal.Alarm{Kind: "catalog", Time: now, Message: fmt.Sprintf(
			"hold counts unavailable: %v", err)})
	}
	if asJSON {
		for _, t := range st.Tenants {
			age := int64(0) // seconds since the oldest unsealed message was received; 0 if none
			if !t.OldestUnsealed.IsZero() {
				age = int64(now.Sub(t.OldestUnsealed) / time.Second)
			}
			emit(e.stdout, "tenant", struct {
				journal.TenantStatus
				OldestUnsealedAge int64 `json:"oldest_unsealed_age_seconds"`
			}{t, age})
		}
		for _, h := range holds {
			var n any // null when the catalog could not count
			if c, ok := counts[h.Name]; ok {
				n = c
			}
			emit(e.stdout, "hold", map[string]any{"name": h.Name, "messages": n})
		}
		for _, a := range st.Alarms {
			emit(e.stdout, "alarm", a)
		}
		emit(e.stdout, "summary", map[string]any{"tenants": len(st.Tenants), "alarms": len(st.Alarms), "journal_bytes": st.JournalBytes,
			"free_bytes": st.FreeBytes, "audit_head": hexsum(st.AuditHead.Hash), "audit_events": st.AuditHead.Seq, "ok": len(st.Alarms) == 0})
	} else {
		tw := table(e.stdout)
		fmt.Fprintln(tw, "TENANT\tJOURNALED\tUNSEALED\tSEALED\tRELEASED\tBYTES\tBODY BYTES\tOLDEST UNSEALED\tLAST VERIFIED")
		for _, t := range st.Tenants {
			age := "-"
			if !t.OldestUnsealed.IsZero() {
				age = fmtAge(now.Sub(t.OldestUnsealed))
			}
			lv := "-"
			if t.LastVerified != "" {
				lv = t.LastVerified + " " + fmtTime(t.LastVerifiedAt)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", t.Tenant, t.Journaled, t.Unsealed, t.Sealed, t.Released, t.Bytes, t.BodyBytes, age, lv)
		}
		tw.Flush()
		fmt.Fprintf(e.stdout, "journal %d bytes, %d bytes free, audit head #%d %s\n", st.JournalBytes, st.FreeBytes, st.AuditHead.Seq, hexsum(st.AuditHead.Hash))
		for _, h := range holds {
			if n, ok := counts[h.Name]; ok {
				fmt.Fprintf(e.stdout, "hold %s: %s\n", h.Name, count(n, "message"))
			} else {
				fmt.Fprintf(e.stdout, "hold %s: count unavailable (catalog)\n", h.Name)
			}
		}
		for _, a := range st.Alarms {
			fmt.Fprintf(e.stdout, "ALARM %s %s: %s (%s)\n", a.Kind, a.Tenant, a.Message, fmtTime(a.Time))
		}
	}
	if len(st.Alarms) > 0 {
		if !asJSON {
			fmt.Fprintf(e.stderr, "archiver: %s raised\nhint: %s\n", count(len(st.Alarms), "alarm"), alarmHint(st.Alarms[0].Kind, s.data))
			if !slices.Contains(liveAlarmKinds, st.Alarms[0].Kind) {
				fmt.Fprintf(e.stderr, "hint: once handled, acknowledge it: archiver alarm clear --data %s %s\n", s.data, st.Alarms[0].Kind)
			}
		}
		return withCode(exitAlarm, errSilent)
	}
	return nil
}

// holdCounts counts each hold's messages in the synced catalog (nil, nil
// without holds).
func holdCounts(ctx context.Context, s *store, holds []journal.Hold) (map[string]int, error) {
	if len(holds) == 0 {
		return nil, nil
	}
	cat, err := s.catalog(ctx)
	if err != nil {
		return nil, err
	}
	return cat.HoldCounts(ctx)
}

// alarmHint names the next command for an alarm kind.
func alarmHint(kind, data string) string {
	switch kind {
	case "unsealed-age":
		return fmt.Sprintf("archiver run --data %s --period YYYY-MM --out DIR", data)
	case "unrouted":
		return fmt.Sprintf("archiver search --data %s --tenant default; then route its domain (archiver tenant add --data %s NAME --domain DOMAIN), "+
			"and to seal what is there give default a key (archiver tenant keys --data %s default --recipient PUB.asc)", data, data, data)
	case "low-disk", "release-freed-nothing":
		return fmt.Sprintf("archiver journal compact --data %s", data)
	case "corrupt-record", "write-failure":
		return fmt.Sprintf("archiver journal check --data %s", data)
	case "catalog":
		return fmt.Sprintf("make %s/catalog writable (serve retries every 30 s and clears the alarm), or archiver catalog rebuild --data %s", data, data)
	}
	return fmt.Sprintf("archiver status --data %s --json", data)
}

// fmtAge renders an age as days and hours ("36d 4h") from one day on,
// else hours and minutes ("5h12m0s").
func fmtAge(d time.Duration) string {
	if d >= 24*time.Hour {
		return fmt.Sprintf("%dd %dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
	return d.Truncate(time.Minute).String()
}
