package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/archiver/archiver/journal"
)

// The control protocol on DATA/control.sock (a unix socket, mode 0600) is a
// stream of frames: 1 type byte, a 4-byte big-endian payload length, the
// payload. The client sends 'r' (a JSON controlRequest) first, then stdin as
// 'i' frames and 'I' (empty) at its end. The daemon sends stdout as 'o',
// stderr as 'e', and finally 'x' with the 4-byte big-endian exit code.
// Closing the connection cancels the command.
const (
	frameRequest  = 'r'
	frameStdin    = 'i'
	frameStdinEOF = 'I'
	frameStdout   = 'o'
	frameStderr   = 'e'
	frameExit     = 'x'
	maxFrame      = 1 << 20 // bytes
)

type controlRequest struct {
	Args []string          `json:"args"`
	Cwd  string            `json:"cwd"`
	Vars map[string]string `json:"vars"`
	User string            `json:"user"`
	// Interactive: the client's stdin is a terminal (run and burn may ask
	// for a disc change; the prompt goes back as stderr).
	Interactive bool `json:"interactive,omitempty"`
}

func controlPath(data string) string { return filepath.Join(data, "control.sock") }

type frameConn struct {
	mu sync.Mutex
	w  io.Writer
}

func (f *frameConn) send(typ byte, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var h [5]byte
	h[0] = typ
	binary.BigEndian.PutUint32(h[1:], uint32(len(p)))
	if _, err := f.w.Write(h[:]); err != nil {
		return err
	}
	_, err := f.w.Write(p)
	return err
}

// streamWriter turns writes into frames of one type.
type streamWriter struct {
	c   *frameConn
	typ byte
}

func (s streamWriter) Write(p []byte) (int, error) {
	for off := 0; off < len(p); off += maxFrame {
		end := min(off+maxFrame, len(p))
		if err := s.c.send(s.typ, p[off:end]); err != nil {
			return off, err
		}
	}
	return len(p), nil
}

func readFrame(r *bufio.Reader) (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("control: frame of %d bytes exceeds %d", n, maxFrame)
	}
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return h[0], p, err
}

// listenControl serves forwarded commands on DATA/control.sock until ctx ends.
// The caller holds the journal lock, so a leftover socket file is stale.
func listenControl(ctx context.Context, sh *shared, log *slog.Logger) (func(), error) {
	path := controlPath(sh.data)
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handleControl(ctx, sh, c, log)
			}()
		}
	}()
	return func() { l.Close(); wg.Wait(); os.Remove(path) }, nil
}

func handleControl(ctx context.Context, sh *shared, c net.Conn, log *slog.Logger) {
	r := bufio.NewReader(c)
	typ, p, err := readFrame(r)
	var req controlRequest
	if err != nil || typ != frameRequest || json.Unmarshal(p, &req) != nil || len(req.Args) == 0 {
		log.Warn("control: bad request", "err", err)
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := &frameConn{w: c}
	stdin, stdinW := io.Pipe()
	go func() {
		defer cancel() // the client went away: cancel the command
		for {
			typ, p, err := readFrame(r)
			if err != nil {
				stdinW.CloseWithError(io.ErrUnexpectedEOF)
				return
			}
			switch typ {
			case frameStdin:
				if _, err := stdinW.Write(p); err != nil {
					continue // the command stopped reading stdin
				}
			case frameStdinEOF:
				stdinW.Close()
			}
		}
	}()
	// audit events of the command name the client's user, not the daemon
	actor := forwardedActor(c, req.User)
	ctx = journal.WithActor(ctx, actor)
	e := &env{
		stdin: stdin, stdout: streamWriter{out, frameStdout}, stderr: streamWriter{out, frameStderr},
		cwd: req.Cwd, vars: req.Vars, user: actor, now: sh.now, shared: sh, interactive: req.Interactive,
	}
	if e.vars == nil {
		e.vars = map[string]string{}
	}
	log.Info("control: command", "args", req.Args[1:], "user", actor)
	code := run(ctx, req.Args, e)
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(code))
	_ = out.send(frameExit, b[:])
}

// forward runs args in the serve that holds data, relaying stdio, and
// returns its exit code.
func forward(ctx context.Context, data string, args []string, e *env) int {
	c, err := net.Dial("unix", controlPath(data))
	if err != nil {
		return report(e, withHint(fmt.Errorf("the journal in %s is locked, and no `archiver serve` answers on %s: %w", data, controlPath(data), err),
			"stop the other archiver process holding %s, or start `archiver serve --data %s`", data, data))
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	fc := &frameConn{w: c}
	req, _ := json.Marshal(controlRequest{Args: args, Cwd: e.cwd, Vars: e.vars, User: e.user, Interactive: e.interactive})
	if err := fc.send(frameRequest, req); err != nil {
		return report(e, fmt.Errorf("control: %w", err))
	}
	go func() {
		_, _ = io.Copy(streamWriter{fc, frameStdin}, e.stdin)
		_ = fc.send(frameStdinEOF, nil)
	}()
	r := bufio.NewReader(c)
	for {
		typ, p, err := readFrame(r)
		if err != nil {
			if ctx.Err() != nil {
				return report(e, ctx.Err())
			}
			return report(e, fmt.Errorf("control: connection to serve lost: %w", err))
		}
		switch typ {
		case frameStdout:
			e.stdout.Write(p)
		case frameStderr:
			e.stderr.Write(p)
		case frameExit:
			if len(p) != 4 {
				return report(e, errors.New("control: bad exit frame"))
			}
			return int(binary.BigEndian.Uint32(p))
		}
	}
}
