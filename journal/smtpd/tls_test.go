package smtpd

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/journal/journaltest"
)

func selfSigned(t *testing.T) *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestRequireTLSRefusesMailUntilSTARTTLS: 530 before STARTTLS, 250 after,
// and the receipt records TLS.
func TestRequireTLSRefusesMailUntilSTARTTLS(t *testing.T) {
	addr, j, _ := start(t, journal.Options{}, Config{TLS: selfSigned(t), RequireTLS: true})
	c := dial(t, addr)
	c.reply()
	if r := c.cmd("EHLO test.example\r\n"); !strings.Contains(r, "STARTTLS") {
		t.Fatalf("EHLO does not offer STARTTLS:\n%s", r)
	}
	if r := c.cmd("MAIL FROM:<a@x.example>\r\n"); !strings.HasPrefix(r, "530 5.7.0") {
		t.Fatalf("MAIL before STARTTLS: %q, want 530 5.7.0", r)
	}
	if r := c.cmd("STARTTLS\r\n"); !strings.HasPrefix(r, "220") {
		t.Fatalf("STARTTLS: %q", r)
	}
	tc := tls.Client(c.c, &tls.Config{InsecureSkipVerify: true})
	c.c, c.br = tc, bufio.NewReader(tc)
	if r := c.cmd("EHLO test.example\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatalf("EHLO after TLS: %q", r)
	}
	msg := "Subject: tls\r\n\r\nsecret\r\n"
	if r := c.send("a@x.example", []string{"b@y.example"}, msg+".\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatalf("DATA under TLS: %q", r)
	}
	m, ok := journaltest.Bodies(t, j)[sha256.Sum256([]byte(msg))]
	if !ok || len(m.Receipts) != 1 || !m.Receipts[0].Envelope.TLS {
		t.Errorf("stored %v, receipts %+v; want one TLS receipt", ok, m.Receipts)
	}
}

// TestOneMiBHeaderLineArchived: a 1 MiB header line and a 3 MiB body line
// are stored byte-exact, not refused.
func TestOneMiBHeaderLineArchived(t *testing.T) {
	addr, j, _ := start(t, journal.Options{}, Config{})
	c := hello(t, addr, "EHLO")
	msg := "X-Long: " + strings.Repeat("h", 1<<20) + "\r\n\r\n" + strings.Repeat("b", 3<<20) + "\r\n"
	if r := c.send("a@x.example", []string{"b@y.example"}, msg+".\r\n"); !strings.HasPrefix(r, "250") {
		t.Fatalf("long lines: %q", r)
	}
	if _, ok := journaltest.Bodies(t, j)[sha256.Sum256([]byte(msg))]; !ok {
		t.Error("long-line message not stored byte-exact")
	}
}
