package catalog

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Field names of a catalog document.
const (
	fTenant   = "tenant"   // keyword
	fFrom     = "from"     // keyword, lower-cased addresses: From header, MAIL FROM, report sender
	fTo       = "to"       // keyword, lower-cased addresses: To/Cc headers, RCPT TO, reported recipients (Bcc too)
	fFromDom  = "from_dom" // keyword, lower-cased domains of fFrom
	fToDom    = "to_dom"   // keyword, lower-cased domains of fTo
	fSubject  = "subject"  // text
	fText     = "text"     // text: subject, body text, attachment names
	fAttach   = "attach"   // text: attachment file names
	fMsgID    = "msgid"    // keyword, without angle brackets, lower-cased
	fDate     = "date"     // datetime: Date header in UTC, else received
	fReceived = "received" // datetime: first receipt, UTC
)

// textAnalyzer applies NFKD and drops combining marks (foldmarks.go), then
// Lucene's ASCII folding (ø→o, ß→ss), segments words per Unicode UAX #29
// and lower-cases, so "Café", "CAFE" and "cafe\u0301" all match "cafe".
const textAnalyzer = "mailtext"

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	err := im.AddCustomAnalyzer(textAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"char_filters":  []string{foldMarksName, asciifolding.Name},
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	})
	if err != nil {
		return nil, err
	}
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	doc := bleve.NewDocumentStaticMapping()
	for _, f := range []string{fTenant, fFrom, fTo, fFromDom, fToDom, fMsgID} {
		doc.AddFieldMappingsAt(f, keywordField())
	}
	doc.AddFieldMappingsAt(fSubject, textField(true))
	doc.AddFieldMappingsAt(fText, textField(true))
	doc.AddFieldMappingsAt(fAttach, textField(false))
	doc.AddFieldMappingsAt(fDate, dateField())
	doc.AddFieldMappingsAt(fReceived, dateField())
	im.DefaultMapping = doc
	return im, nil
}

func keywordField() *mapping.FieldMapping {
	f := bleve.NewKeywordFieldMapping()
	f.Analyzer = keyword.Name
	f.Store = false
	f.IncludeInAll = false
	f.DocValues = false
	return f
}

// textField indexes words; positions (term vectors) only where phrase
// queries need them.
func textField(positions bool) *mapping.FieldMapping {
	f := bleve.NewTextFieldMapping()
	f.Analyzer = textAnalyzer
	f.Store = false
	f.IncludeInAll = false
	f.IncludeTermVectors = positions
	f.DocValues = false
	return f
}

func dateField() *mapping.FieldMapping {
	f := bleve.NewDateTimeFieldMapping()
	f.Store = false
	f.IncludeInAll = false
	f.DocValues = false
	return f
}
