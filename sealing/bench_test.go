package sealing

import (
	"testing"
)

// BenchmarkSeal seals 4 MiB of generated mail (about 200 messages of 20 kB)
// onto dvd5 and verifies it with --data; bytes/s are of raw messages.
//
//	go test -run XXX -bench Seal ./sealing/
func BenchmarkSeal(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		f.ingest(200, 20000)
		var total int64
		for _, r := range f.raw {
			total += int64(len(r))
		}
		b.SetBytes(total)
		b.StartTimer()
		res := f.seal("dvd5")
		if rep := f.verify(true, paths(res)...); !rep.OK {
			b.Fatal(checks(rep))
		}
	}
}
