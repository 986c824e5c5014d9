package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func journalCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "journal",
		Usage: "check, rebuild or compact the journal database",
		Subcommands: []*cli.Command{{
			Name:  "check",
			Usage: "check every record, body hash, index and sequence; exit 1 on any finding",
			Flags: []cli.Flag{dataFlag(), jsonFlag},
			Action: storeAction(e, func(c *cli.Context, s *store) error {
				fs, err := s.j.Check(c.Context)
				if err != nil {
					return err
				}
				for _, f := range fs {
					if c.Bool("json") {
						emit(e.stdout, "finding", f)
					} else {
						fmt.Fprintln(e.stdout, f.String())
					}
				}
				if c.Bool("json") {
					emit(e.stdout, "summary", map[string]any{"findings": len(fs), "ok": len(fs) == 0})
				}
				if len(fs) > 0 {
					return withHint(fmt.Errorf("journal check: %d findings", len(fs)), "archiver journal rebuild --data %s", s.data)
				}
				if !c.Bool("json") {
					fmt.Fprintln(e.stdout, "journal ok")
				}
				return nil
			}),
		}, {
			Name:  "rebuild",
			Usage: "rebuild the journal's indexes from its primary records (unreadable records are quarantined, never deleted)",
			Flags: []cli.Flag{dataFlag()},
			Action: storeAction(e, func(c *cli.Context, s *store) error {
				if err := s.j.Rebuild(c.Context); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "journal indexes rebuilt\nnext: archiver journal check --data %s\n", s.data)
				return nil
			}),
		}, {
			Name:  "compact",
			Usage: "copy the journal into a new file to give released space back to the file system",
			Flags: []cli.Flag{dataFlag()},
			Action: storeAction(e, func(c *cli.Context, s *store) error {
				before, after, err := s.j.Compact(c.Context)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "journal compacted: %d -> %d bytes\n", before, after)
				return nil
			}),
		}},
	}
}
