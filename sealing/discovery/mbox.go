package discovery

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"time"
)

// writeMboxrd appends one message to an mboxrd file: a "From " separator
// line (sender, then asctime of received in UTC), the message with every
// line matching ^>*From  given one more ">", a final newline if the
// message lacked one, and an empty line. A reader undoes the quoting by
// removing one ">" from every line matching ^>+From  .
func writeMboxrd(w io.Writer, sender string, received time.Time, msg io.Reader) error {
	sender = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return '_' // the separator line's fields are space-separated
		}
		return r
	}, sender)
	if sender == "" {
		sender = "MAILER-DAEMON"
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("From " + sender + " " + received.UTC().Format(time.ANSIC) + "\n")
	br := bufio.NewReaderSize(msg, 64<<10)
	last := byte('\n')
	atStart := true
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if atStart && isFromLine(line) {
				bw.WriteByte('>')
			}
			bw.Write(line)
			last = line[len(line)-1]
			atStart = last == '\n'
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if last != '\n' {
		bw.WriteByte('\n')
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// isFromLine reports whether line matches ^>*From .
func isFromLine(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From "))
}
