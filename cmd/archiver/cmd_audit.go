package main

import (
	"errors"
	"fmt"

	"github.com/archiver/archiver/journal"
	"github.com/urfave/cli/v2"
)

func auditCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "the append-only, hash-chained audit trail",
		Subcommands: []*cli.Command{{
			Name:  "verify",
			Usage: "check the hash chain; exit 3 and name the first broken event",
			Flags: []cli.Flag{dataFlag(), jsonFlag},
			Action: storeAction(e, func(c *cli.Context, s *store) error {
				head, err := s.j.AuditVerify(c.Context)
				var ae *journal.AuditError
				if errors.As(err, &ae) {
					if c.Bool("json") {
						emit(e.stdout, "summary", map[string]any{"ok": false, "broken_seq": ae.Seq, "reason": ae.Reason})
					}
					return withCode(exitVerify, withHint(err, "archiver audit show --data %s", s.data))
				}
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return emit(e.stdout, "summary", map[string]any{"ok": true, "events": head.Seq, "head": hexsum(head.Hash)})
				}
				fmt.Fprintf(e.stdout, "audit chain ok: %d events, head %s\n", head.Seq, hexsum(head.Hash))
				return nil
			}),
		}, {
			Name:  "show",
			Usage: "print every audit event",
			Flags: []cli.Flag{dataFlag(), jsonFlag},
			Action: storeAction(e, func(c *cli.Context, s *store) error {
				n := 0
				tw := table(e.stdout)
				err := s.j.AuditEvents(c.Context, func(ev journal.Event) error {
					n++
					if c.Bool("json") {
						return emit(e.stdout, "event", map[string]any{"seq": ev.Seq, "time": ev.Time, "actor": ev.Actor, "action": ev.Action, "detail": ev.Detail, "prev": hexsum(ev.Prev), "hash": hexsum(ev.Hash)})
					}
					_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", ev.Seq, fmtTime(ev.Time), ev.Actor, ev.Action, ev.Detail)
					return err
				})
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return emit(e.stdout, "summary", map[string]any{"events": n})
				}
				return tw.Flush()
			}),
		}},
	}
}
