package main

import (
	"reflect"
	"testing"
)

func TestInterspersed(t *testing.T) {
	app := newApp(&env{vars: map[string]string{}})
	for _, c := range []struct{ in, want []string }{
		{[]string{"archiver", "tenant", "add", "acme", "--domain", "a.example", "--data", "d"},
			[]string{"archiver", "tenant", "add", "--domain", "a.example", "--data", "d", "--", "acme"}},
		{[]string{"archiver", "ingest", "--json", "-", "--tenant", "t"},
			[]string{"archiver", "ingest", "--json", "--tenant", "t", "--", "-"}},
		{[]string{"archiver", "verify", "a.iso", "--data=d", "--", "--odd.iso"},
			[]string{"archiver", "verify", "--data=d", "--", "a.iso", "--odd.iso"}},
		{[]string{"archiver", "--help"}, []string{"archiver", "--help"}},
		{[]string{"archiver", "--data", "d", "tenant", "add", "acme", "--domain", "a.example"},
			[]string{"archiver", "--data", "d", "tenant", "add", "--domain", "a.example", "--", "acme"}},
		{[]string{"archiver", "--data=d", "stauts"}, []string{"archiver", "--data=d", "stauts"}},
		{[]string{"archiver", "tenant"}, []string{"archiver", "tenant"}},
	} {
		if got := interspersed(app, c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("interspersed(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1048576": 1 << 20, "256M": 256 << 20, "256MiB": 256 << 20, "1g": 1 << 30, "10KB": 10 << 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "12X", "M"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

func TestExitCodes(t *testing.T) {
	if exitCode(nil) != 0 || exitCode(withCode(exitVerify, errSilent)) != 3 || exitCode(withHint(withCode(exitMedia, errSilent), "x")) != 4 {
		t.Error("exit code mapping broken")
	}
}

func TestCountPlural(t *testing.T) {
	for _, c := range []struct {
		n          int
		noun, want string
	}{{0, "message", "0 messages"}, {1, "message", "1 message"}, {2, "volume", "2 volumes"}, {1, "body", "1 body"}, {3, "journal body", "3 journal bodies"}} {
		if got := count(c.n, c.noun); got != c.want {
			t.Errorf("count(%d, %q) = %q, want %q", c.n, c.noun, got, c.want)
		}
	}
}
