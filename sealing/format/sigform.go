package format

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// checkSignatureForm requires SHA256SUMS.ASC to be exactly the canonical
// form of the one signature packet it holds (FORMAT.md §4.6): the armor
// as written (no armor headers, 64 base64 characters a line, the CRC-24
// line, LF line ends, nothing before or after), and the packet as its
// fields serialize. A signature verifies with bytes the check ignores
// (an armor line's tail, the CRC, the 16-bit hash prefix of RFC 4880
// §5.2.3); on a volume every byte must be accounted for, so a flipped bit
// there is a finding like any other.
func checkSignatureForm(asc []byte) error {
	blk, err := armor.Decode(bytes.NewReader(asc))
	if err != nil {
		return fmt.Errorf("%s: not ASCII armor: %w", SumsSigFile, err)
	}
	body, err := io.ReadAll(blk.Body)
	if err != nil {
		return fmt.Errorf("%s: armor: %w", SumsSigFile, err)
	}
	var re bytes.Buffer
	w, err := armor.Encode(&re, blk.Type, nil)
	if err == nil {
		_, err = w.Write(body)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return fmt.Errorf("%s: armor: %w", SumsSigFile, err)
	}
	if blk.Type != "PGP SIGNATURE" || len(blk.Header) != 0 || !bytes.Equal(re.Bytes(), asc) {
		return fmt.Errorf("%s: not the canonical armor of its signature (%s)", SumsSigFile, firstDiff(asc, re.Bytes()))
	}
	p, err := packet.Read(bytes.NewReader(body))
	sig, ok := p.(*packet.Signature)
	if err != nil || !ok {
		return fmt.Errorf("%s: not a signature packet: %v", SumsSigFile, err)
	}
	var ser bytes.Buffer
	if err := sig.Serialize(&ser); err != nil || !bytes.Equal(ser.Bytes(), body) {
		return fmt.Errorf("%s: the signature packet is not as its fields serialize (%s)", SumsSigFile, firstDiff(body, ser.Bytes()))
	}
	return nil
}

func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("first difference at byte %d of %d", i, len(got))
}
