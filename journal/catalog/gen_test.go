package catalog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync"
	"time"

	"github.com/archiver/archiver/journal"
)

// genSource is a synthetic journal of n messages for benchmarks. Each
// message is generated from its seq alone (deterministic), so nothing is
// stored: senders and recipients follow a Zipf law over 20,000 addresses
// in 200 domains, subject and body words a Zipf law over a 50,000-word
// vocabulary, received times spread over one year.
type genSource struct {
	n    uint64
	base time.Time
}

const (
	genUsers   = 20000
	genDomains = 200
	genVocab   = 50000
)

var (
	vocabOnce sync.Once
	vocab     []string
)

// genVocabulary builds genVocab distinct pronounceable words.
func genVocabulary() []string {
	vocabOnce.Do(func() {
		cons := []string{"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "st", "tr"}
		vows := []string{"a", "e", "i", "o", "u", "ai", "ou"}
		seen := map[string]bool{}
		r := rand.New(rand.NewSource(1))
		for len(vocab) < genVocab {
			var b strings.Builder
			for k := 1 + r.Intn(4); k > 0; k-- {
				b.WriteString(cons[r.Intn(len(cons))])
				b.WriteString(vows[r.Intn(len(vows))])
			}
			if w := b.String(); !seen[w] {
				seen[w] = true
				vocab = append(vocab, w)
			}
		}
	})
	return vocab
}

func genAddr(i uint64) string {
	return fmt.Sprintf("user%d@dom%d.example", i, i%genDomains)
}

type genMsg struct {
	m   journal.Message
	raw []byte
}

func (g *genSource) gen(seq uint64, withRaw bool) genMsg {
	r := rand.New(rand.NewSource(int64(seq)))
	users := rand.NewZipf(r, 1.1, 2, genUsers-1)
	words := rand.NewZipf(r, 1.05, 10, genVocab-1)
	v := genVocabulary()
	span := 365 * 24 * time.Hour
	recv := g.base.Add(time.Duration(float64(span) * float64(seq) / float64(g.n)))
	date := recv.Add(-time.Duration(r.Intn(3600)) * time.Second)
	from := genAddr(users.Uint64())
	var to []string
	for k := 1 + r.Intn(4); k > 0; k-- {
		to = append(to, genAddr(users.Uint64()))
	}
	var subj []string
	for k := 3 + r.Intn(6); k > 0; k-- {
		subj = append(subj, v[words.Uint64()])
	}
	m := journal.Message{
		Tenant: "acme", Seq: seq, JSeq: seq, Rev: seq, Received: recv, State: journal.Journaled, HasBody: true,
		Receipts: []journal.Receipt{{Received: recv, Envelope: journal.Envelope{MailFrom: from, RcptTo: to}}},
		Summary: journal.Summary{Date: date, From: from, To: strings.Join(to, ", "), Subject: strings.Join(subj, " "),
			MessageID: fmt.Sprintf("%d.gen@dom%d.example", seq, seq%genDomains)},
	}
	out := genMsg{m: m}
	if withRaw {
		var b bytes.Buffer
		fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n\r\n",
			from, m.Summary.To, m.Summary.Subject, date.Format(time.RFC1123Z), m.Summary.MessageID)
		for k, n := 0, 50+r.Intn(350); k < n; k++ {
			b.WriteString(v[words.Uint64()])
			if k%12 == 11 {
				b.WriteString("\r\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString("\r\n")
		out.raw = b.Bytes()
		out.m.Size = int64(b.Len())
	}
	return out
}

func (g *genSource) Since(ctx context.Context, after uint64, fn func(journal.Message) error) error {
	for seq := after + 1; seq <= g.n; seq++ {
		if err := fn(g.gen(seq, false).m); err != nil {
			return err
		}
	}
	return nil
}

func (g *genSource) Message(ctx context.Context, tenant string, seq uint64) (journal.Message, error) {
	return g.gen(seq, false).m, nil
}

func (g *genSource) OpenBody(ctx context.Context, tenant string, seq uint64) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(g.gen(seq, true).raw)), nil
}

func (g *genSource) Notify() <-chan struct{}                           { return nil }
func (g *genSource) Holds(ctx context.Context) ([]journal.Hold, error) { return nil, nil }
