package main

import (
	"github.com/urfave/cli/v2"
)

// newApp builds the command tree for one invocation. It holds no globals,
// so the daemon runs many forwarded commands at once, each with its own env.
func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:                  "archiver",
		Usage:                 "compliance mail archive: journal, seal to disc, verify, release, discover",
		Description:           "Every command takes --data DIR (before or after the command name; or $ARCHIVER_DATA). While `archiver serve` runs, other commands are forwarded to it over DATA/control.sock.",
		CustomAppHelpTemplate: cli.AppHelpTemplate + "\n" + exitCodesHelp + "\n",
		Reader:                e.stdin,
		Writer:                e.stdout,
		ErrWriter:             e.stderr,
		ExitErrHandler:        func(*cli.Context, error) {}, // exit codes are mapped in exit.go only
		Version:               buildVersion(),
		Suggest:               true,
		Flags:                 globalFlags(),
		Before:                applyGlobal(e),
		Commands: []*cli.Command{
			initCommand(e),
			tenantCommand(e),
			keysCommand(e),
			serveCommand(e),
			ingestCommand(e),
			statusCommand(e),
			alarmCommand(e),
			journalCommand(e),
			auditCommand(e),
			sealCommand(e),
			verifyCommand(e),
			releaseCommand(e),
			burnCommand(e),
			runCommand(e),
			searchCommand(e),
			exportCommand(e),
			holdCommand(e),
			catalogCommand(e),
			quickstartCommand(e),
		},
	}
	app.Action = unknownCommand(func() []*cli.Command { return app.Commands }, "")
	setGroupActions(app.Commands, "")
	return app
}
