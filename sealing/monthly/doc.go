// Package monthly is the monthly burn run: for every tenant, seal
// the closing month, verify every image deeply against the journal, burn
// Copies copies of each volume, read every copy back and verify it, and only
// then release the journal bodies. It returns a Report (also written as
// run-YYYY-MM.txt and run-YYYY-MM.json) naming, per tenant, each volume's
// label, message count, sequence range, image SHA-256, signer fingerprint,
// every verification, and every refusal with its reason.
//
// Rules:
//   - A tenant with any refusal (seal error, failed verification, failed
//     burn or read-back) has nothing released in this run; other tenants
//     proceed.
//   - An image already verified deeply by Seal (recorded with the image's
//     SHA-256) is not verified again; otherwise it is.
//   - Each copy of each volume is burned on a blank disc of its own
//     (DiscCopy): copy N through device (N-1) mod len(Devices); a
//     "stdio:DIR/" device writes DIR/LABEL-copyN.iso (CopyTarget). Before
//     each burn the Changer asks the drive (media.QueryMedium); without a
//     blank disc it prompts "insert blank disc for LABEL copy N in DEV"
//     and polls until one is there (interactive), or refuses that copy
//     with *NoBlankDiscError. A written disc or stdio: file is never
//     burned over. After its read-back the disc is ejected.
//   - Every disc is read back (exactly the image's sectors, into
//     OutDir/readback/LABEL.copyN.iso, removed once OK), verified deeply
//     against the journal, and recorded as a journal.Verification with
//     Kind DiscKind and Copy DiscCopyID ("disc:LABEL#N"), OK or not.
//   - Queue burns nothing: the copies go to the burn queue (Queue, a file
//     in the data directory) for BurnNext (archiver burn --next), one disc
//     at a time; the Report lists them in ToBurn, and their volumes are
//     released by a later run once every copy is verified.
//   - Release requires, per volume, an OK deep verification of the image
//     and of each of the Copies discs (journal.ReleaseOptions.Copies =
//     Copies+1 with devices or a queue, 1 for images only), so one bad or
//     unburned copy blocks release.
//   - A rerun resumes: volumes of the period that are sealed but not
//     released (an earlier run refused or was interrupted) are verified
//     again, and only their discs without an OK disc verification are
//     burned.
package monthly
