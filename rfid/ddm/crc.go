package ddm

// CRC computes CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, MSB
// first, no reflection, no final XOR), the checksum of the basic block.
// Check values: "123456789" → 0x29B1, "RFID tag data model" → 0x1AEE.
func CRC(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
