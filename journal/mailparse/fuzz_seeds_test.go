package mailparse

import (
	"testing"

	"github.com/archiver/archiver/internal/testtool"
)

// TestFuzzSeeds: every fuzz target here has a checked-in seed corpus.
func TestFuzzSeeds(t *testing.T) { testtool.FuzzSeeds(t) }
