package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/catalog"
	"github.com/archiver/archiver/journal/smtpd"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/urfave/cli/v2"
)

type serveOptions struct {
	data, listen, maxSize, metrics, tlsCert, tlsKey, minFree string
	lmtp, announceSize                                       bool
	allow                                                    []string
}

func serveCommand(e *env) *cli.Command {
	var o serveOptions
	return &cli.Command{
		Name:  "serve",
		Usage: "run the journaling SMTP/LMTP service (250 only after fsync), the catalog indexer and the control socket",
		Description: "Listens on loopback by default. Mail over --max-size gets 452 (the MTA keeps it queued) and an oversize alarm;\n" +
			"EHLO announces SIZE without a number unless --announce-size, so an MTA never bounces an archive copy for its size.\n" +
			"SIGTERM or SIGINT stops accepting, finishes open transactions and exits 0.",
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:2525", Usage: "`ADDR` to listen on (port 0: any free port; the address is printed)", Destination: &o.listen},
			&cli.BoolFlag{Name: "lmtp", Usage: "speak LMTP (RFC 2033): status per recipient", Destination: &o.lmtp},
			&cli.StringFlag{Name: "max-size", Value: "256MiB", Usage: "largest message `SIZE` in bytes (K/M/G suffixes); keep it >= the MTA's message_size_limit", Destination: &o.maxSize},
			&cli.BoolFlag{Name: "announce-size", Usage: "announce --max-size in EHLO (SIZE n): the MTA then bounces larger mail itself, losing its archive copy", Destination: &o.announceSize},
			&cli.StringSliceFlag{Name: "allow", Usage: "client `CIDR` allowed to connect (repeatable; default loopback only); others get 554"},
			&cli.StringFlag{Name: "tls-cert", Usage: "STARTTLS certificate `FILE` (PEM)", Destination: &o.tlsCert},
			&cli.StringFlag{Name: "tls-key", Usage: "STARTTLS key `FILE` (PEM)", Destination: &o.tlsKey},
			&cli.StringFlag{Name: "metrics", Usage: "serve Prometheus metrics on `ADDR` at /metrics", Destination: &o.metrics},
			&cli.StringFlag{Name: "min-free", Value: "1GiB", Usage: "refuse mail with 452 when free disk drops below `SIZE` (0 disables)", Destination: &o.minFree},
		},
		Action: func(c *cli.Context) error {
			o.data, o.allow = c.String("data"), c.StringSlice("allow")
			return runServe(c.Context, o, e)
		},
	}
}

func runServe(ctx context.Context, o serveOptions, e *env) (err error) {
	if e.shared != nil {
		return withHint(errors.New("serve is already running for this data directory"), "archiver status --data %s", e.shared.data)
	}
	data, err := e.dataDir(o.data)
	if err != nil {
		return err
	}
	maxSize, err := parseSize(o.maxSize)
	if err != nil {
		return err
	}
	minFree, err := parseSize(o.minFree)
	if err != nil {
		return err
	}
	if minFree == 0 {
		minFree = -1 // journal.Options: 0 means the default, <0 disables
	}
	cfg := smtpd.Config{Addr: o.listen, LMTP: o.lmtp, MaxSize: maxSize, AnnounceSize: o.announceSize}
	for _, a := range o.allow {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return withHint(fmt.Errorf("--allow %q: %w", a, err), "use CIDR notation, e.g. --allow 10.0.0.0/8")
		}
		cfg.Allow = append(cfg.Allow, p)
	}
	if o.tlsCert != "" || o.tlsKey != "" {
		cert, err := tls.LoadX509KeyPair(e.abs(o.tlsCert), e.abs(o.tlsKey))
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	limitServeMemory(e.getenv)
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	cfg.Logger = log
	j, err := journal.Open(filepath.Join(data, "journal"), journal.Options{MaxMessageBytes: maxSize, MinFreeBytes: minFree, Logger: log, Actor: "service"})
	if errors.Is(err, journal.ErrLocked) {
		return withHint(fmt.Errorf("%s: %w", data, err), "another archiver serve runs; check it with `archiver status --data %s`", data)
	}
	if err != nil {
		return withHint(fmt.Errorf("open journal: %w", err), "archiver init --data %s", data)
	}
	defer func() {
		// Every 250 was already fsync'd; a failing close is still reported
		// (exit 1), never a quiet "stopped".
		if cerr := j.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close journal: %w", cerr))
		}
	}()
	// The catalog is derived data: serve starts without it rather than not
	// at all; the indexer raises the catalog alarm and keeps retrying.
	cat, err := catalog.OpenRetrying(filepath.Join(data, "catalog"), j)
	if err != nil {
		log.Warn("catalog unavailable: serving mail without it until it can be opened", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sh := &shared{data: data, j: j, cat: cat, now: e.now, serveCtx: ctx, log: log}
	sh.ix = startIndexer(ctx, cat, j, log)
	defer sh.stopIndexer(10 * time.Second)
	closeControl, err := listenControl(ctx, sh, log)
	if err != nil {
		return err
	}
	defer closeControl()
	if o.metrics != "" {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		cfg.Metrics = newPromMetrics(reg, data, j)
		stop, err := serveMetrics(o.metrics, reg, e)
		if err != nil {
			return err
		}
		defer stop()
	}
	srv, err := smtpd.New(j, cfg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return withHint(fmt.Errorf("listen: %w", err), "pick a free address with --listen 127.0.0.1:2526")
	}
	proto := "smtp"
	if o.lmtp {
		proto = "lmtp"
	}
	addrFile := filepath.Join(data, "serve.addr")
	if err := writeAtomic(addrFile, []byte(l.Addr().String()+"\n")); err != nil {
		return err
	}
	defer os.Remove(addrFile)
	fmt.Fprintf(e.stdout, "serving %s on %s (data %s, control %s)\n", proto, l.Addr(), data, controlPath(data))
	err = srv.Serve(ctx, l)
	cancel()
	cerr := srv.Close() // connections still busy after the wait: a hanging journal write
	sh.stopIndexer(10 * time.Second)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, net.ErrClosed) {
		return err
	}
	if cerr != nil {
		return withHint(cerr, "archiver journal check --data %s", data)
	}
	fmt.Fprintln(e.stdout, "stopped")
	return nil
}

func serveMetrics(addr string, reg *prometheus.Registry, e *env) (func(), error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(l)
	fmt.Fprintf(e.stdout, "metrics on http://%s/metrics\n", l.Addr())
	return func() { hs.Close() }, nil
}

// writeAtomic writes b to path through a temporary file renamed over it,
// so a reader (a script waiting for serve.addr) sees the whole content or
// no file, never an empty or partial one.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
