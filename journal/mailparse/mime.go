package mailparse

import (
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"regexp"
	"strings"
)

// maxDepth bounds multipart nesting (RFC 2046 §5.1); deeper parts are
// skipped (a fixture nests thousands deep to overflow stacks).
const maxDepth = 32

// attachments walks the MIME tree below h, reading body from the first
// body byte, and returns every file name found in Content-Disposition
// filename (RFC 2183, RFC 2231 continuations and charsets) or Content-Type
// name. Broken MIME ends the walk with what was found so far.
func attachments(h header, body io.Reader) []string {
	var names []string
	get := func(n string) string { v, _ := h.get(n); return string(unfold(v)) }
	if n := fileName(get("content-disposition"), get("content-type")); n != "" {
		names = append(names, n)
	}
	walk(get("content-type"), body, 0, &names)
	return names
}

// walk appends the attachment names of the parts of one multipart body.
func walk(contentType string, body io.Reader, depth int, names *[]string) {
	mt, params := mediaType(contentType)
	boundary := params["boundary"]
	if !strings.HasPrefix(mt, "multipart/") || boundary == "" || depth >= maxDepth {
		return
	}
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			return
		}
		ct := partHeader(p.Header, "Content-Type")
		if n := fileName(partHeader(p.Header, "Content-Disposition"), ct); n != "" {
			*names = append(*names, n)
		}
		walk(ct, p, depth+1, names)
	}
}

func partHeader(h textproto.MIMEHeader, key string) string {
	return h.Get(key)
}

// fileName returns the decoded file name a part declares, "" for none.
func fileName(disposition, contentType string) string {
	for _, c := range []struct{ value, param string }{
		{disposition, "filename"}, {contentType, "name"},
	} {
		if c.value == "" {
			continue
		}
		_, params := mediaType(c.value)
		if n := DecodeHeader([]byte(params[c.param])); n != "" {
			return n
		}
	}
	return ""
}

var paramRE = regexp.MustCompile(`(?i);\s*([a-z0-9_*.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)`)

// mediaType parses a Content-Type or Content-Disposition value with
// mime.ParseMediaType (RFC 2045 §5.1, RFC 2231), falling back to a lenient
// scan of name=value pairs when the value is malformed. The media type is
// lower case; parameter names are lower case.
func mediaType(v string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params
	}
	if i := strings.IndexByte(v, ';'); i >= 0 {
		mt = v[:i]
	} else {
		mt = v
	}
	mt = strings.ToLower(strings.TrimSpace(mt))
	params = map[string]string{}
	for _, m := range paramRE.FindAllStringSubmatch(v, -1) {
		k := strings.ToLower(m[1])
		val := m[2]
		if strings.HasPrefix(val, `"`) && strings.HasSuffix(val, `"`) && len(val) >= 2 {
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		}
		if _, dup := params[k]; !dup {
			params[strings.TrimSuffix(k, "*")] = val
		}
	}
	return mt, params
}
