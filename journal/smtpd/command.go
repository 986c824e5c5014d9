package smtpd

import (
	"strings"
)

// command is one command line (RFC 5321 §4.1.1), its CRLF removed.
type command struct {
	verb string // upper case: "EHLO", "MAIL", ...
	arg  string // the rest, surrounding spaces removed
}

// parseCommand splits a line at its first space. Verbs are
// case-insensitive (§2.4).
func parseCommand(line string) command {
	verb, arg, _ := strings.Cut(line, " ")
	return command{verb: strings.ToUpper(verb), arg: strings.Trim(arg, " \t")}
}

// param is one ESMTP parameter, "KEY" or "KEY=VALUE" (RFC 5321 §4.1.2
// esmtp-param); keys are case-insensitive and kept upper case.
type param struct {
	key, value string
	hasValue   bool
}

// parsePathArg parses the argument of MAIL ("FROM:") or RCPT ("TO:"):
// the prefix, a path and ESMTP parameters (RFC 5321 §4.1.2). It returns
// the address without angle brackets and without a source route (§3.3:
// ignored). It is lenient where Postfix is: spaces after the colon, and a
// path without angle brackets (then it ends at the first space).
func parsePathArg(arg, prefix string) (addr string, params []param, err *Reply) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", nil, syntaxError("Syntax: %s<address> [parameters]", prefix)
	}
	rest := strings.TrimLeft(arg[len(prefix):], " ")
	if strings.HasPrefix(rest, "<") {
		end := closingBracket(rest)
		if end < 0 {
			return "", nil, syntaxError("Unbalanced '<' in address")
		}
		addr, rest = rest[1:end], rest[end+1:]
	} else {
		addr, rest, _ = strings.Cut(rest, " ")
	}
	if strings.HasPrefix(addr, "@") { // source route "@a,@b:user@c"
		if _, after, ok := strings.Cut(addr, ":"); ok {
			addr = after
		}
	}
	for _, f := range strings.Fields(rest) {
		k, v, ok := strings.Cut(f, "=")
		params = append(params, param{key: strings.ToUpper(k), value: v, hasValue: ok})
	}
	return addr, params, nil
}

// closingBracket returns the index of the ">" closing the path that s
// opens with "<", skipping quoted strings (RFC 5321 §4.1.2 Quoted-string,
// where "\" escapes one character); -1 if there is none.
func closingBracket(s string) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == '>' && !quoted:
			return i
		}
	}
	return -1
}
