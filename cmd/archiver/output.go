package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

// jsonFlag is --json: one object per line with a "type" field, then a summary.
var jsonFlag = &cli.BoolFlag{Name: "json", Usage: "print one JSON object per line, each with a \"type\" field, ending with a \"summary\" object"}

// emit writes v as one JSON line whose first field is "type": typ.
func emit(w io.Writer, typ string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		b, _ = json.Marshal(map[string]json.RawMessage{"value": b})
	}
	delete(m, "type")
	if m != nil {
		b, _ = json.Marshal(m)
	}
	t, _ := json.Marshal(typ)
	line := append([]byte(`{"type":`), t...)
	if len(b) > 2 {
		line = append(append(line, ','), b[1:]...)
	} else {
		line = append(line, '}')
	}
	_, err = fmt.Fprintf(w, "%s\n", line)
	return err
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

func hexsum(b [32]byte) string { return hex.EncodeToString(b[:]) }

// dataFlag is --data on every command. Its default, a global --data or
// $ARCHIVER_DATA, is applied by env.dataDir (the environment of the caller,
// also when the command is forwarded to serve).
func dataFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "data", Aliases: []string{"d"}, Usage: "data directory `DIR` (journal, catalog, keys; default $ARCHIVER_DATA)"}
}

// count is n and noun, plural unless n is 1: "1 message", "2 messages".
// noun is the singular; the plural adds "s" ("body" becomes "bodies").
func count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
