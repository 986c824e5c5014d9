package media

import (
	"os"
	"strings"
	"syscall"
)

// Linux CD-ROM ioctl (linux/cdrom.h): CDROM_DRIVE_STATUS with CDSL_CURRENT.
const (
	cdromDriveStatus = 0x5326
	cdslCurrent      = 0x7fffffff
	cdsNoDisc        = 1
	cdsTrayOpen      = 2
	cdsNotReady      = 3
)

// trayStatus asks a block device for its drive status without closing its
// tray (the open is O_NONBLOCK). ok is false when the answer is "a disc is
// in" or the device is no CD drive (or a stdio: path): xorriso must tell.
func trayStatus(device string) (MediumStatus, bool) {
	if strings.HasPrefix(device, "stdio:") {
		return MediumStatus{}, false
	}
	f, err := os.OpenFile(strings.TrimPrefix(device, "mmc:"), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return MediumStatus{}, false
	}
	defer f.Close()
	r, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), cdromDriveStatus, cdslCurrent)
	if errno != 0 {
		return MediumStatus{}, false
	}
	switch r {
	case cdsNoDisc:
		return MediumStatus{State: MediumAbsent, Status: "no disc"}, true
	case cdsTrayOpen:
		return MediumStatus{State: MediumAbsent, Status: "tray open"}, true
	case cdsNotReady:
		return MediumStatus{State: MediumAbsent, Status: "drive not ready"}, true
	}
	return MediumStatus{}, false
}
