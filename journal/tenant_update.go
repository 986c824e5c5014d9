package journal

import (
	"context"
	"encoding/json"
	"fmt"
)

// SetRecipients replaces the OpenPGP recipient keys (armored public keys)
// of tenant name; volumes sealed from now on are encrypted to them, sealed
// volumes keep theirs. DefaultTenant is created when it does not exist yet
// (it otherwise appears with the first unrouted message), so that unrouted
// mail can be sealed; any other unknown name is ErrNotFound. recipients
// must not be empty. It is audited as action "tenant", naming the detail
// the caller gives (e.g. the key fingerprints).
func (j *Journal) SetRecipients(ctx context.Context, name string, recipients [][]byte, detail string) error {
	if len(recipients) == 0 {
		return fmt.Errorf("journal: tenant %q: no recipient keys given", name)
	}
	err := j.update(func(tx Tx) error {
		var t Tenant
		switch v := tx.Get(bTenants, []byte(name)); {
		case v != nil:
			if err := json.Unmarshal(v, &t); err != nil {
				return &CorruptError{Bucket: bTenants, Key: []byte(name), Err: err}
			}
		case name == DefaultTenant:
			t = Tenant{Name: DefaultTenant, Created: j.now()}
		default:
			return fmt.Errorf("%w: tenant %q", ErrNotFound, name)
		}
		t.Recipients = recipients
		if err := putTenant(tx, t); err != nil {
			return err
		}
		_, err := appendAudit(tx, j.now(), j.actor(ctx), "tenant",
			fmt.Sprintf("set recipient keys of tenant %s: %s", name, detail))
		return err
	})
	if err != nil {
		return err
	}
	return j.loadTenants()
}
