//go:build !linux

package media

// trayStatus: only Linux has a tray query that leaves the tray alone;
// elsewhere xorriso is asked.
func trayStatus(string) (MediumStatus, bool) { return MediumStatus{}, false }
