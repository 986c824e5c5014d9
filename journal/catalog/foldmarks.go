package catalog

import (
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldMarksName is the bleve char filter that decomposes text (NFKD,
// Unicode UAX #15) and removes nonspacing marks (category Mn), so accented
// letters index as their base letters whether written precomposed or not.
const foldMarksName = "archiver_fold_marks"

func init() {
	// bleve's registry is the only way to make a char filter available to
	// a custom analyzer by name; registration is idempotent per process.
	_ = registry.RegisterCharFilter(foldMarksName,
		func(map[string]interface{}, *registry.Cache) (analysis.CharFilter, error) {
			return foldMarks{}, nil
		})
}

type foldMarks struct{}

func (foldMarks) Filter(in []byte) []byte {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.Bytes(t, in)
	if err != nil {
		return in
	}
	return out
}
