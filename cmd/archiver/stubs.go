package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

func stub(name, usage string) *cli.Command {
	return &cli.Command{Name: name, Usage: usage, Flags: []cli.Flag{dataFlag()}, Action: func(*cli.Context) error {
		return errors.New(name + ": not wired yet")
	}}
}

func burnCommand(e *env) *cli.Command       { return stub("burn", "burn") }
func runCommand(e *env) *cli.Command        { return stub("run", "run") }

func isCapacity(err error) bool { return false }
