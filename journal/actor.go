package journal

import "context"

type actorKey struct{}

// WithActor returns a context whose calls into the journal are audited
// under actor instead of Options.Actor: serve runs a command forwarded by
// user U with WithActor(ctx, "U via service"), so that tenant, hold, seal,
// verify, release, import, rebuild and compact events name the person, not
// the daemon. actor "" leaves ctx as it is. An explicit actor argument
// (Audit, ReleaseOptions.Actor, Hold.By) still wins.
func WithActor(ctx context.Context, actor string) context.Context {
	if actor == "" {
		return ctx
	}
	return context.WithValue(ctx, actorKey{}, actor)
}

// actor is the audit actor for a call made with ctx: WithActor's, else
// Options.Actor.
func (j *Journal) actor(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return j.opts.Actor
}
