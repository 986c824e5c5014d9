package discovery

import (
	"context"
	"fmt"
	"testing"
)

func TestDbg(t *testing.T) {
	e := newEnv(t)
	for _, m := range testMessages {
		e.ingest(m)
	}
	m, _ := e.j.Message(context.Background(), "acme", 2)
	fmt.Printf("%q\n", m.Summary.Attachments)
}
