package sealing

import (
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/archiver/archiver/media"
	"github.com/archiver/archiver/sealing/format"
)

// VolumeReader reads one sealed volume (image, device or directory) for
// discovery export and catalog rebuild. It is not safe for concurrent use.
type VolumeReader struct {
	Source string
	vol    *format.Volume
	closer io.Closer
	label  string       // ISO volume identifier; "" for a directory
	im     *media.Image // the image reader; nil for a directory
}

// OpenVolume opens source (an image file, a block device, or a directory
// holding an extracted/mounted disc) and reads its MANIFEST.JSON. Nothing is
// verified yet: call VerifySignature (and, for whole-volume assurance, Verify).
func OpenVolume(source string) (*VolumeReader, error) {
	tree, c, im, err := openTree(source)
	if err != nil {
		return nil, err
	}
	v, err := format.OpenVolume(tree)
	if err != nil {
		if c != nil {
			c.Close()
		}
		return nil, fmt.Errorf("sealing: %s: %w", source, err)
	}
	vr := &VolumeReader{Source: source, vol: v, closer: c}
	if im != nil {
		vr.label, vr.im = im.VolumeID(), im
	}
	return vr, nil
}

// Manifest returns the volume's parsed MANIFEST.JSON (unverified until
// VerifySignature succeeds and SHA256SUMS has been checked).
func (r *VolumeReader) Manifest() *format.Manifest { return r.vol.Manifest() }

// VerifySignature checks SHA256SUMS.ASC over SHA256SUMS with the archive
// public key(s) and returns the signer's fingerprint. It does not hash the
// files: Verify does.
func (r *VolumeReader) VerifySignature(signer openpgp.EntityList) (string, error) {
	return r.vol.VerifySignature(signer)
}

// Index decrypts INDEX.PGP with keys (a tenant secret key, or the volume
// verification key) and returns its entries in seq order.
func (r *VolumeReader) Index(keys openpgp.EntityList) ([]format.IndexEntry, error) {
	return r.vol.Index(keys)
}

// OpenMessage decrypts the message file at path (an IndexEntry.Path). Read
// to EOF and check the error (the MDC is checked last), then compare the
// bytes' SHA-256 with IndexEntry.SHA256. Close releases the file.
func (r *VolumeReader) OpenMessage(path string, keys openpgp.EntityList) (io.ReadCloser, error) {
	return r.vol.OpenMessage(path, keys)
}

// Volume returns the underlying format.Volume (file list, raw metadata).
func (r *VolumeReader) Volume() *format.Volume { return r.vol }

// Close releases the image file.
func (r *VolumeReader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
