// Package monthly is the monthly burn run (issue 6): for every tenant, seal
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
//   - Release requires, per volume, an OK deep verification of the image
//     and of each of the Copies burned copies (journal.ReleaseOptions.Copies
//     = Copies+1 with devices, 1 without), so one bad copy blocks release.
//   - A rerun resumes: volumes of the period that are sealed but not
//     released (an earlier run refused or was interrupted) are verified,
//     burned and released like fresh ones.
//   - Each copy is read back into a distinct file OutDir/readback/LABEL.copyN.iso
//     (removed after its verification is recorded), so copies burned
//     through one drive count as distinct verifications.
package monthly
