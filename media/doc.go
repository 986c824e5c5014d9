// Package media masters, sizes, reads and burns the ISO 9660 images that
// archiver writes to CD, DVD and BD. It knows nothing of mail: its input is
// a list of Files (slash-separated path, size in bytes, and an opener).
//
// # Vocabulary
//
//   - Sector: a logical block of SectorSize (2048) bytes (ECMA-119 §6.1.2).
//     Every size in this package that is not in bytes is in sectors.
//   - Image: the byte stream of one volume, a whole number of sectors.
//   - Primary volume: the ECMA-119 tree (primary volume descriptor, Type L
//     and Type M path tables, directory hierarchy) with ISO-safe names,
//     interchange level 2 (ECMA-119 §10.2: identifiers of up to 30
//     characters, each file a single extent).
//   - Joliet volume: a supplementary volume descriptor (ECMA-119 §8.5,
//     Microsoft Joliet specification 1995) over the same file extents, with
//     UCS-2 big-endian names that keep the caller's original spelling.
//   - Layout: the complete plan of an image: where every descriptor, path
//     table, directory and file extent goes. Plan computes it from names and
//     sizes only; Layout.WriteTo then streams it in one pass, no staging.
//   - Planner: an incremental, exact size calculator used to pack volumes.
//   - Profile: a named medium with its capacity in sectors.
//   - Image (reader): an independent reader over github.com/kdomanski/iso9660,
//     used by verification so that a bug in our writer is not hidden by the
//     same bug in our own reader.
//   - Audit: Image.Audit checks, without the writer, that every sector of
//     an image is the layout below (descriptors, path tables, both trees,
//     zeros where the layout has them, file slack), so that every byte is
//     either file data, checked structure or zero.
//
// # Image layout (sectors)
//
//	0–15   system area, zero (ECMA-119 §6.2.1)
//	16     primary volume descriptor (§8.4)
//	17     Joliet supplementary volume descriptor (§8.5)
//	18     volume descriptor set terminator (§8.3)
//	19–    Type L, Type M path tables of the primary volume, then of the
//	       Joliet volume (§9.4), each starting on a sector boundary
//	       primary directories in path-table order (§6.8.1, §9.1)
//	       Joliet directories in path-table order
//	       file extents, in primary path-table order of their directory and
//	       §9.3 order within it; zero-byte files take no sector
//
// Everything is deterministic: the same VolumeInfo (including the
// Recorded time) and the same files give a bit-identical image.
//
// References: ECMA-119 4th edition (2019) = ISO 9660:1988; Joliet
// specification (Microsoft, 1995).
package media
