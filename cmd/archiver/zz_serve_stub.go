package main

import "github.com/urfave/cli/v2"

func serveCommand(e *env) *cli.Command { return stub("serve", "serve") }
