package media

import "errors"

// Errors returned (wrapped, with the offending path) by Plan, Planner and
// Layout.WriteTo. Test with errors.Is.
var (
	// ErrName: a path is empty, absolute, has an empty, "." or ".."
	// component, has a name Joliet cannot record (control characters or one
	// of * / : ; ? \, or more than 64 UCS-2 units), or a primary path longer
	// than 255 bytes (ECMA-119 §6.8.2.1).
	ErrName = errors.New("invalid name")
	// ErrCollision: two different names in one directory would get the same
	// primary identifier, or Joliet names equal ignoring case, or a path is
	// both a file and a directory.
	ErrCollision = errors.New("name collision")
	// ErrDuplicate: the same path was given twice.
	ErrDuplicate = errors.New("duplicate path")
	// ErrDepth: a path has more than MaxDepth components (ECMA-119 §6.8.2.1:
	// at most 8 directory levels, the root being level 1).
	ErrDepth = errors.New("directory hierarchy too deep")
	// ErrFileSize: a size is negative or at least MaxFileSize (4 GiB); each
	// file is one extent, whose length field is 32 bits (ECMA-119 §9.1.4).
	ErrFileSize = errors.New("file size out of range")
	// ErrTooManyDirs: more than 65,535 directories, the limit of the 16-bit
	// parent directory number of the path table (ECMA-119 §9.4.4).
	ErrTooManyDirs = errors.New("too many directories")
	// ErrVolumeInfo: a VolumeInfo field cannot be recorded.
	ErrVolumeInfo = errors.New("invalid volume info")
	// ErrSizeChanged: a File's reader returned more or fewer bytes than
	// File.Size while writing.
	ErrSizeChanged = errors.New("file size changed while writing")
)

// Limits, ECMA-119 interchange level 2 (§10.2).
const (
	MaxDepth    = 8         // path components (directories + file name); root is level 1
	MaxFileSize = 1<<32 - 1 // bytes; 4 GiB and more is ErrFileSize
	maxDirs     = 65535     // path table directory numbers are 16-bit
	maxPathLen  = 255       // bytes of primary identifiers and separators, §6.8.2.1
	maxJoliet   = 64        // UCS-2 units per Joliet name (Joliet spec)
	maxFileID   = 30        // file name + "." + extension, ISO-safe
	maxDirID    = 31        // directory identifier, §7.6.3
)
