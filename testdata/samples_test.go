package samples

import "testing"

func TestIndexFilesExist(t *testing.T) {
	s, err := Index()
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 29 {
		t.Fatalf("index has %d entries, want 29", len(s))
	}
	for _, e := range s {
		if _, err := FS.ReadFile(e.File); err != nil {
			t.Errorf("%s: %v", e.File, err)
		}
	}
}
