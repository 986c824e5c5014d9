package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise
// it comes from the module's build information.
var version = ""

// buildVersion returns version, or the main module's version and VCS revision.
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v, rev, dirty := bi.Main.Version, "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " (" + rev
		if dirty {
			v += ", modified"
		}
		v += ")"
	}
	return strings.TrimSpace(v)
}

// globalFlags are accepted before the command: `archiver --data DIR status`.
func globalFlags() []cli.Flag {
	return []cli.Flag{&cli.StringFlag{Name: "data", Usage: "data directory `DIR` for every command (a command's own --data wins; default $ARCHIVER_DATA)"}}
}

// applyGlobal makes a global --data the default of every command, exactly
// as $ARCHIVER_DATA would be (and it wins over the environment).
func applyGlobal(e *env) cli.BeforeFunc {
	return func(c *cli.Context) error {
		if d := c.String("data"); d != "" {
			e.vars["ARCHIVER_DATA"] = e.abs(d)
		}
		return nil
	}
}

// unknownCommand is the Action of the app and of every command that only
// groups subcommands: with no argument it prints help (exit 0), with one it
// is an unknown command (exit 1) naming the nearest command.
func unknownCommand(cmds func() []*cli.Command, path string) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.NArg() == 0 {
			if path == "" {
				return cli.ShowAppHelp(c)
			}
			return cli.ShowSubcommandHelp(c)
		}
		name := c.Args().First()
		err := fmt.Errorf("unknown command %q", strings.TrimSpace(path+" "+name))
		if s := nearest(cmds(), name); s != "" {
			return withHint(err, "did you mean `archiver %s`? `archiver %s--help` lists the commands", strings.TrimSpace(path+" "+s), prefix(path))
		}
		return withHint(err, "`archiver %s--help` lists the commands", prefix(path))
	}
}

func prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + " "
}

// setGroupActions gives every command with subcommands (and no Action of
// its own) the unknownCommand action, so `archiver tenant ad` exits 1.
func setGroupActions(cmds []*cli.Command, path string) {
	for _, c := range cmds {
		if len(c.Subcommands) == 0 {
			continue
		}
		p := strings.TrimSpace(path + " " + c.Name)
		if c.Action == nil {
			sub := c.Subcommands
			c.Action = unknownCommand(func() []*cli.Command { return sub }, p)
		}
		setGroupActions(c.Subcommands, p)
	}
}

// nearest returns the command name closest to name (edit distance at most
// 2, or a prefix match), or "".
func nearest(cmds []*cli.Command, name string) string {
	best, bestD := "", 3
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		for _, n := range c.Names() {
			d := editDistance(n, name)
			if strings.HasPrefix(n, name) && len(name) >= 2 {
				d = min(d, 1)
			}
			if d < bestD {
				best, bestD = c.Name, d
			}
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein (optimal string alignment) distance.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
