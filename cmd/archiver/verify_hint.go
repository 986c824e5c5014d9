package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/archiver/archiver/journal"
	"github.com/archiver/archiver/sealing"
	"github.com/archiver/archiver/sealing/format"
	"github.com/archiver/archiver/sealing/pgp"
)

// verifyHint names the next step for a failed verify, by the cause of its
// first failing volume: a source that no longer exists, a signer that is
// not the given key, a --key that is not among the volume's recipients,
// files added to an extracted disc, a damaged copy (whose remedy depends
// on whether the journal still holds the bodies), or a disagreement with
// the journal.
func verifyHint(ctx context.Context, rep *sealing.Report, s *store, keys openpgp.EntityList) string {
	for _, vr := range rep.Volumes {
		if len(vr.Findings) == 0 {
			continue
		}
		checks := map[string]bool{}
		wrongKey := false
		for _, f := range vr.Findings {
			checks[f.Check] = true
			if (f.Check == format.CheckIndex || f.Check == format.CheckDecrypt) && strings.Contains(f.Detail, "incorrect key") {
				wrongKey = true
			}
		}
		switch {
		case checks[format.CheckOpen] && sourceExists(vr.Source) != nil: // removed while verify ran: not damage
			return fmt.Sprintf("%s does not exist (any more): check the path, then verify again", vr.Source)
		case checks[format.CheckSignature]:
			return "SHA256SUMS.ASC must be signed by the archive key that sealed the volume: pass that key's public half with --signer " +
				"(the run report and README.TXT name its fingerprint; SIGNER.ASC on the disc is a copy, not a trust anchor). " +
				"If it is the right key, this copy was altered: use another copy"
		case wrongKey && len(keys) > 0:
			return wrongKeyHint(ctx, vr, s, keys)
		case rebuilt(vr):
			return "this image was rebuilt from a disc's files (it has Rock Ridge fields), so it is not the volume as sealed; " +
				"its files were checked by their names: verify the original image or disc, or the files extracted from it (archiver verify DIR)"
		case onlyChecks(checks, format.CheckExtra):
			return "files the disc does not list were added to this directory (decrypted messages?): move them elsewhere, or verify the image or disc itself"
		case damaged(checks):
			return damageHint(ctx, vr, s)
		}
		if s != nil {
			return fmt.Sprintf("the volume disagrees with the journal: archiver journal check --data %s, and archiver verify --data %s the other copies", s.data, s.data)
		}
	}
	return "archiver verify --json IMAGE lists every finding"
}

func onlyChecks(checks map[string]bool, want string) bool { return len(checks) == 1 && checks[want] }

// damaged: the copy's bytes are not what was sealed.
func damaged(checks map[string]bool) bool {
	for _, c := range []string{format.CheckOpen, format.CheckImage, format.CheckStructure, format.CheckSums, format.CheckMissing, format.CheckHash,
		format.CheckIndex, format.CheckDecrypt, format.CheckPlaintext, format.CheckExtra} {
		if checks[c] {
			return true
		}
	}
	return false
}

// rebuilt: the image audit found Rock Ridge fields, which no sealed
// volume has (a rebuild by xorriso -as mkisofs -R).
func rebuilt(vr *sealing.VolumeReport) bool {
	for _, f := range vr.Findings {
		if f.Check == format.CheckStructure && strings.Contains(f.Detail, "Rock Ridge") {
			return true
		}
	}
	return false
}

// damageHint: a damaged copy is replaced from a good one; only while the
// journal still holds the bodies can the volume be sealed again.
func damageHint(ctx context.Context, vr *sealing.VolumeReport, s *store) string {
	const burn = "burn another copy from a good image or disc (archiver burn --device DEV GOOD.iso; verify the other copies first), or restore the image from a backup"
	if s == nil {
		return "this copy is damaged: " + burn + "; archiver verify --data DIR tells whether the journal still holds the bodies"
	}
	v, err := s.j.Volume(ctx, vr.Label)
	switch {
	case errors.Is(err, journal.ErrNotFound) || vr.Label == "":
		return "this copy is damaged and the journal does not know the volume: " + burn
	case err != nil:
		return "this copy is damaged: " + burn
	case !v.Released.IsZero():
		return fmt.Sprintf("this copy is damaged, and %s was released on %s (the journal no longer holds its bodies, so it cannot be sealed again): %s",
			vr.Label, v.Released.UTC().Format("2006-01-02"), burn)
	}
	return fmt.Sprintf("this copy is damaged; %s is not released, so the journal still holds its bodies: burn a copy of the good image (archiver burn --data %s --device DEV IMAGE), "+
		"or, if no good image is left, archiver journal check --data %s and seal the period again", vr.Label, s.data, s.data)
}

// wrongKeyHint names the recipients INDEX.PGP is encrypted to and the keys
// that were given.
func wrongKeyHint(ctx context.Context, vr *sealing.VolumeReport, s *store, keys openpgp.EntityList) string {
	var given []string
	for _, e := range keys {
		given = append(given, pgp.Fingerprint(e))
	}
	ids, err := recipientKeyIDs(vr.Source)
	if err != nil || len(ids) == 0 {
		return fmt.Sprintf("the --key (%s) does not match the volume's recipients; use the secret key of tenant %s", strings.Join(given, ", "), vr.Tenant)
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = fmt.Sprintf("key ID %016X", id)
		switch who := tenantKeyOf(ctx, s, id); {
		case who != "":
			names[i] += " (" + who + ")"
		case s != nil:
			names[i] += " (no tenant's: the volume verification key, destroyed at release)"
		}
	}
	note := ""
	if s == nil {
		note = " (one is the volume verification key, destroyed at release; --data DIR names the tenant's)"
	}
	return fmt.Sprintf("the --key (%s) does not match the volume's recipients: %s is encrypted to %s%s; use the secret key of tenant %s",
		strings.Join(given, ", "), vr.Label, strings.Join(names, ", "), note, vr.Tenant)
}

// recipientKeyIDs returns the key IDs of INDEX.PGP's public-key encrypted
// session key packets (RFC 4880 §5.1), in order.
func recipientKeyIDs(source string) ([]uint64, error) {
	r, err := sealing.OpenVolume(source)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := r.Volume().ReadFile(format.IndexFile)
	if err != nil {
		return nil, err
	}
	pr := packet.NewReader(bytes.NewReader(b))
	var ids []uint64
	for {
		p, err := pr.Next()
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return ids, err
		}
		ek, ok := p.(*packet.EncryptedKey)
		if !ok {
			return ids, nil
		}
		ids = append(ids, ek.KeyId)
	}
}

// tenantKeyOf names the tenant key with (sub)key id, or "".
func tenantKeyOf(ctx context.Context, s *store, id uint64) string {
	if s == nil {
		return ""
	}
	ts, err := s.j.Tenants(ctx)
	if err != nil {
		return ""
	}
	for _, t := range ts {
		el, err := pgp.ReadRecipients(t.Recipients)
		if err != nil {
			continue
		}
		if len(el.KeysById(id)) > 0 {
			return "tenant " + t.Name + " key " + pgp.Fingerprint(el.KeysById(id)[0].Entity)
		}
	}
	return ""
}
