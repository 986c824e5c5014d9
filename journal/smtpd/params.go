package smtpd

import (
	"strconv"
	"strings"
)

// mailParams are the MAIL parameters the server acts on. The others it
// accepts are checked for syntax and otherwise ignored: the archive stores
// the message and sends no notifications.
type mailParams struct {
	size int64 // SIZE= (RFC 1870 §3): declared message size, bytes; 0 if absent
}

// parseMailParams checks MAIL parameters. Accepted: SIZE=n (RFC 1870),
// BODY=7BIT|8BITMIME|BINARYMIME (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531),
// RET=FULL|HDRS and ENVID=xtext (RFC 3461 §4.3, §4.4), AUTH=mailbox
// (RFC 4954 §5, ignored). A malformed value gets 501 5.5.4, an unknown
// parameter 555 5.5.4 (RFC 5321 §4.1.1.11).
func parseMailParams(ps []param) (mailParams, *Reply) {
	var mp mailParams
	for _, p := range ps {
		switch p.key {
		case "SIZE":
			n, err := strconv.ParseInt(p.value, 10, 64)
			if err != nil || n < 0 || !allDigits(p.value) {
				return mp, syntaxError("SIZE= takes a number of bytes")
			}
			mp.size = n
		case "BODY":
			switch strings.ToUpper(p.value) {
			case "7BIT", "8BITMIME", "BINARYMIME":
			default:
				return mp, syntaxError("BODY= takes 7BIT, 8BITMIME or BINARYMIME")
			}
		case "SMTPUTF8":
			if p.hasValue {
				return mp, syntaxError("SMTPUTF8 takes no value")
			}
		case "RET":
			switch strings.ToUpper(p.value) {
			case "FULL", "HDRS":
			default:
				return mp, syntaxError("RET= takes FULL or HDRS")
			}
		case "ENVID", "AUTH":
			if p.value == "" {
				return mp, syntaxError("%s= takes a value", p.key)
			}
		default:
			return mp, unknownParam(p.key)
		}
	}
	return mp, nil
}

// parseRcptParams checks RCPT parameters: NOTIFY=NEVER or a list of
// SUCCESS, FAILURE, DELAY (RFC 3461 §4.1) and ORCPT=addr-type;xtext
// (§4.2). Both are accepted and ignored: journal copies carry them.
func parseRcptParams(ps []param) *Reply {
	for _, p := range ps {
		switch p.key {
		case "NOTIFY":
			if !validNotify(p.value) {
				return syntaxError("NOTIFY= takes NEVER or a list of SUCCESS, FAILURE, DELAY")
			}
		case "ORCPT":
			if typ, addr, ok := strings.Cut(p.value, ";"); !ok || typ == "" || addr == "" {
				return syntaxError("ORCPT= takes addr-type;address")
			}
		default:
			return unknownParam(p.key)
		}
	}
	return nil
}

func validNotify(v string) bool {
	if strings.EqualFold(v, "NEVER") {
		return true
	}
	for _, w := range strings.Split(v, ",") {
		switch strings.ToUpper(w) {
		case "SUCCESS", "FAILURE", "DELAY":
		default:
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func unknownParam(key string) *Reply {
	return &Reply{Code: 555, Enhanced: "5.5.4", Text: "Parameter " + key + " not recognized"}
}
