package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, osEnv())
	stop()
	os.Exit(code)
}

// run executes one command line and returns its exit code. When the journal
// is held by a running `archiver serve`, the command is forwarded to it.
func run(ctx context.Context, args []string, e *env) int {
	app := newApp(e)
	err := app.RunContext(ctx, interspersed(app, args))
	var locked *lockedError
	if errors.As(err, &locked) && e.shared == nil {
		return forward(ctx, locked.data, args, e)
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("%w: %w", context.Canceled, err) // interrupted: exit 130 whatever failed on the way
	}
	return report(e, err)
}
