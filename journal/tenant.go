package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// tenantName is what a tenant name may look like: it appears in file names,
// volume labels and keys.
var tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// ValidName reports whether name is a valid tenant name: 1–32 characters
// of a-z 0-9 _ -, the first a letter or digit. The names of key files
// under DATA/keys follow the same rule, so neither can name a path.
func ValidName(name string) bool { return tenantName.MatchString(name) }

// AddTenant registers t (Created set to now when zero; domains lower-cased).
// ErrExists when the name, or one of the domains, is taken (a domain routes
// to one tenant only). It is audited as action "tenant".
func (j *Journal) AddTenant(ctx context.Context, t Tenant) error {
	if !ValidName(t.Name) {
		return fmt.Errorf("journal: invalid tenant name %q (want 1-32 of a-z 0-9 _ -)", t.Name)
	}
	for i, d := range t.Domains {
		t.Domains[i] = strings.ToLower(strings.TrimSpace(d))
	}
	if t.Created.IsZero() {
		t.Created = j.now()
	}
	err := j.update(func(tx Tx) error {
		if tx.Get(bTenants, []byte(t.Name)) != nil {
			return fmt.Errorf("%w: tenant %q", ErrExists, t.Name)
		}
		if err := domainsFree(tx, t.Domains); err != nil {
			return err
		}
		if err := putTenant(tx, t); err != nil {
			return err
		}
		_, err := appendAudit(tx, j.now(), j.actor(ctx), "tenant",
			fmt.Sprintf("add tenant %s domains %s", t.Name, strings.Join(t.Domains, ",")))
		return err
	})
	if err != nil {
		return err
	}
	return j.loadTenants()
}

// domainsFree returns ErrExists if another tenant owns one of domains.
func domainsFree(tx Tx, domains []string) error {
	c := tx.Cursor(bTenants)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var other Tenant
		if json.Unmarshal(v, &other) != nil {
			continue
		}
		for _, d := range other.Domains {
			if slices.Contains(domains, d) {
				return fmt.Errorf("%w: domain %s already routes to tenant %s", ErrExists, d, other.Name)
			}
		}
	}
	return nil
}

func putTenant(tx Tx, t Tenant) error {
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return tx.Put(bTenants, []byte(t.Name), v)
}

// Tenants returns every tenant sorted by name, DefaultTenant included once
// it exists.
func (j *Journal) Tenants(ctx context.Context) ([]Tenant, error) {
	j.tmu.RLock()
	defer j.tmu.RUnlock()
	out := make([]Tenant, 0, len(j.tenants))
	for _, t := range j.tenants {
		out = append(out, t)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

// Tenant returns one tenant; ErrNotFound when unknown.
func (j *Journal) Tenant(ctx context.Context, name string) (Tenant, error) {
	j.tmu.RLock()
	defer j.tmu.RUnlock()
	t, ok := j.tenants[name]
	if !ok {
		return Tenant{}, fmt.Errorf("%w: tenant %q", ErrNotFound, name)
	}
	return t, nil
}

// loadTenants refreshes the in-memory tenant cache from the database.
func (j *Journal) loadTenants() error {
	m := map[string]Tenant{}
	err := j.view(func(tx Tx) error {
		c := tx.Cursor(bTenants)
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var t Tenant
			if err := json.Unmarshal(v, &t); err != nil {
				return &CorruptError{Bucket: bTenants, Key: append([]byte(nil), k...), Err: err}
			}
			m[t.Name] = t
		}
		return nil
	})
	if err != nil {
		return err
	}
	j.tmu.Lock()
	j.tenants = m
	j.tmu.Unlock()
	return nil
}

func (j *Journal) now() time.Time { return j.opts.Now().UTC() }
