package journal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// alarmLog is the fallback file for alarms the database cannot take, one
// JSON Alarm per line, appended and fsync'd (DATA/journal/alarms.log).
const alarmLog = "alarms.log"

func alarmKey(a Alarm) []byte { return tenantKey(a.Kind, []byte(a.Tenant)) }

// putAlarm stores a, replacing an earlier alarm of the same kind and tenant.
func putAlarm(tx Tx, a Alarm) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return tx.Put(bAlarms, alarmKey(a), v)
}

// RaiseAlarm records a (Time defaults to now) in the database, or, when the
// database cannot be written, appends it to DATA/journal/alarms.log. Best
// effort: it never fails.
func (j *Journal) RaiseAlarm(a Alarm) {
	if a.Time.IsZero() {
		a.Time = j.now()
	}
	j.opts.Logger.Warn("alarm", "kind", a.Kind, "tenant", a.Tenant, "msg", a.Message)
	if err := j.update(func(tx Tx) error { return putAlarm(tx, a) }); err == nil {
		return
	}
	j.logAlarm(a)
}

func (j *Journal) logAlarm(a Alarm) {
	f, err := os.OpenFile(filepath.Join(j.dir, alarmLog), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		j.opts.Logger.Error("cannot record alarm", "err", err)
		return
	}
	b, _ := json.Marshal(a)
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		j.opts.Logger.Error("cannot record alarm", "kind", a.Kind, "err", err)
	}
}

// ClearAlarms acknowledges every stored alarm of kind ("" = all kinds),
// including those in alarms.log raised before now. Alarms computed live
// (unsealed-age, low-disk) come back while their condition holds.
func (j *Journal) ClearAlarms(ctx context.Context, kind string) error {
	now := j.now()
	return j.update(func(tx Tx) error {
		var del [][]byte
		c := tx.Cursor(bAlarms)
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if k2, _ := splitTenantKey(k); kind == "" || k2 == kind {
				del = append(del, append([]byte(nil), k...))
			}
		}
		for _, k := range del {
			if err := tx.Delete(bAlarms, k); err != nil {
				return err
			}
		}
		return tx.Put(bMeta, []byte("alarms-cleared/"+kind), u64(uint64(now.UnixNano())))
	})
}

// storedAlarms returns the database alarms plus alarms.log entries not yet
// cleared, sorted by time.
func (j *Journal) storedAlarms() []Alarm {
	var out []Alarm
	cleared := map[string]time.Time{}
	err := j.view(func(tx Tx) error {
		c := tx.Cursor(bAlarms)
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var a Alarm
			if err := json.Unmarshal(v, &a); err != nil {
				// never drop an alarm silently: report it under its key's kind
				kind, tenant := splitTenantKey(k)
				a = Alarm{Kind: kind, Tenant: string(tenant), Time: j.now(), Message: fmt.Sprintf(
					"alarm record unreadable (%v); run archiver journal check", err)}
			}
			out = append(out, a)
		}
		c = tx.Cursor(bMeta)
		p := []byte("alarms-cleared/")
		for k, v := c.Seek(p); k != nil && hasPrefix(k, p); k, v = c.Next() {
			cleared[string(k[len(p):])] = time.Unix(0, int64(getU64(v)))
		}
		return nil
	})
	if err != nil {
		out = append(out, Alarm{Kind: "corrupt-record", Time: j.now(), Message: fmt.Sprintf(
			"stored alarms unreadable: %v; run archiver journal check", err)})
	}
	out = append(out, j.loggedAlarms(cleared)...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Time.Before(out[b].Time) })
	return out
}

func (j *Journal) loggedAlarms(cleared map[string]time.Time) []Alarm {
	f, err := os.Open(filepath.Join(j.dir, alarmLog))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return []Alarm{{Kind: "write-failure", Time: j.now(), Message: fmt.Sprintf("%s unreadable: %v", alarmLog, err)}}
	}
	defer f.Close()
	var out []Alarm
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var a Alarm
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			// a torn or damaged line is still an alarm that could not be stored
			a = Alarm{Kind: "write-failure", Time: j.now(), Message: fmt.Sprintf(
				"%s line %d unreadable (%v): an alarm was raised while the database could not be written", alarmLog, line, err)}
			if fi, err := f.Stat(); err == nil {
				a.Time = fi.ModTime().UTC()
			}
		}
		if a.Time.After(cleared[a.Kind]) && a.Time.After(cleared[""]) {
			out = append(out, a)
		}
	}
	if err := sc.Err(); err != nil {
		out = append(out, Alarm{Kind: "write-failure", Time: j.now(), Message: fmt.Sprintf("%s unreadable: %v", alarmLog, err)})
	}
	return out
}
