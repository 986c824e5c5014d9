package main

import (
	"fmt"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/urfave/cli/v2"
)

func holdCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "hold",
		Usage: "legal holds: matching messages keep their journal bodies after release, including mail that arrives later",
		Subcommands: []*cli.Command{{
			Name:  "add",
			Usage: "add a named hold from search flags",
			Flags: append([]cli.Flag{dataFlag(), &cli.StringFlag{Name: "name", Required: true, Usage: "hold (case) `NAME`"}}, queryFlags()...),
			Action: func(c *cli.Context) (err error) {
				q, err := queryFrom(c)
				if err != nil {
					return err
				}
				s, err := e.open(c.Context, c.String("data"))
				if err != nil {
					return err
				}
				defer s.closeInto(&err)
				if err := knownTenant(c.Context, s, q); err != nil {
					return err
				}
				h := journal.Hold{Name: c.String("name"), Query: catalog.EncodeQuery(q), Created: e.now().UTC(), By: e.user}
				if err := s.j.AddHold(c.Context, h); err != nil {
					return withHint(fmt.Errorf("hold %s: %w", h.Name, err), "archiver hold list --data %s", s.data)
				}
				cat, err := s.catalog(c.Context)
				if err != nil {
					return err
				}
				ms, err := cat.Search(c.Context, q)
				if err != nil {
					return err
				}
				for _, m := range ms {
					if err := s.j.KeepBody(c.Context, m.Tenant, m.Seq); err != nil {
						return fmt.Errorf("hold %s: keep %s/%d: %w", h.Name, m.Tenant, m.Seq, err)
					}
				}
				fmt.Fprintf(e.stdout, "hold %s added: %s now; later mail that matches is held too\n", h.Name, matchCount(len(ms)))
				return nil
			},
		}, {
			Name:  "list",
			Usage: "list holds and how many messages each matches",
			Flags: []cli.Flag{dataFlag(), jsonFlag},
			Action: storeAction(e, func(c *cli.Context, s *store) error {
				hs, err := s.j.Holds(c.Context)
				if err != nil {
					return err
				}
				cat, err := s.catalog(c.Context)
				if err != nil {
					return err
				}
				counts, err := cat.HoldCounts(c.Context)
				if err != nil {
					return err
				}
				tw := table(e.stdout)
				if !c.Bool("json") {
					fmt.Fprintln(tw, "HOLD\tMESSAGES\tCREATED\tBY\tQUERY")
				}
				for _, h := range hs {
					if c.Bool("json") {
						q, _ := catalog.DecodeQuery(h.Query)
						emit(e.stdout, "hold", map[string]any{"name": h.Name, "messages": counts[h.Name], "created": h.Created, "by": h.By, "query": q})
						continue
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", h.Name, counts[h.Name], fmtTime(h.Created), h.By, h.Query)
				}
				if c.Bool("json") {
					return emit(e.stdout, "summary", map[string]any{"holds": len(hs)})
				}
				return tw.Flush()
			}),
		}, {
			Name:  "remove",
			Usage: "remove a hold (bodies of released volumes it kept are released by the next release run)",
			Flags: []cli.Flag{dataFlag(), &cli.StringFlag{Name: "name", Required: true, Usage: "hold `NAME`"}},
			Action: storeAction(e, func(c *cli.Context, s *store) error {
				if err := s.j.RemoveHold(c.Context, c.String("name")); err != nil {
					return withHint(fmt.Errorf("hold %s: %w", c.String("name"), err), "archiver hold list --data %s", s.data)
				}
				fmt.Fprintf(e.stdout, "hold %s removed\n", c.String("name"))
				return nil
			}),
		}},
	}
}

// matchCount is "1 message matches" or "N messages match".
func matchCount(n int) string {
	if n == 1 {
		return "1 message matches"
	}
	return count(n, "message") + " match"
}
