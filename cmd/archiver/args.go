package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersed moves a command's positional arguments after its flags, so
// that `archiver tenant add NAME --domain D` works: urfave/cli v2 stops
// parsing flags at the first positional argument. Arguments after "--" are
// left alone.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	cmds := app.Commands
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" { // global flags: archiver --data DIR status
		out = append(out, args[i])
		if !strings.Contains(args[i], "=") && takesValueFlags(app.Flags, strings.TrimLeft(args[i], "-")) && i+1 < len(args) {
			out = append(out, args[i+1])
			i++
		}
		i++
	}
	var cmd *cli.Command
	for i < len(args) {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		out = append(out, args[i])
		cmd, cmds = c, c.Subcommands
		i++
	}
	if cmd == nil || len(cmd.Subcommands) > 0 {
		return append(out, args[i:]...)
	}
	var flags, pos []string
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && a != "-":
			flags = append(flags, a)
			if !strings.Contains(a, "=") && takesValue(cmd, strings.TrimLeft(a, "-")) && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	out = append(out, flags...)
	if len(pos) > 0 {
		out = append(out, "--")
		out = append(out, pos...)
	}
	return out
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func takesValue(cmd *cli.Command, name string) bool { return takesValueFlags(cmd.Flags, name) }

func takesValueFlags(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}
