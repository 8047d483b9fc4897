#!/usr/bin/env python3
"""Writes a tiny SEV-SNP IGVM file: the "guest image" of the demo's simulated CVM.

The simulated SNP provider takes its report MEASUREMENT from the launch digest of this file,
and the verifier recomputes that digest from the same file, so the demo can pin it in a policy.
It is not bootable: a real deployment measures its real IGVM (e.g. a COCONUT-SVSM image).

Layout (IGVM spec, format version 1): fixed header, then variable headers
  SUPPORTED_PLATFORM (SEV-SNP, mask 1), GUEST_POLICY 0x30000, three PAGE_DATA (two pages with
  contents, one zero page), VP_CONTEXT (a VMSA page), followed by the file data.
Usage: make-igvm.py OUT.igvm
"""
import struct
import sys
import zlib

PAGE = 4096


def page(text):
    data = text.encode()
    return data + bytes(PAGE - len(data))


def main(out):
    headers = []  # (type, body, data or None, offset field position)

    def raw(typ, body, data=None, off=0):
        headers.append((typ, bytearray(body), data, off))

    raw(0x001, struct.pack("<IBBH8x", 1, 0, 2, 1))          # platform: mask 1, vtl 0, SEV-SNP, v1
    raw(0x101, struct.pack("<QI4x", 0x30000, 1))           # guest policy: SMT + reserved bit 17
    for gpa, text in ((0x100000, "cocos-cpp demo guest: kernel stand-in\n"),
                      (0x101000, "cocos-cpp demo guest: agent stand-in\n")):
        raw(0x302, struct.pack("<QIIIH2x", gpa, 1, 0, 0, 0), page(text), 12)
    raw(0x302, struct.pack("<QIIIH2x", 0x102000, 1, 0, 0, 0))  # a zero page (no file data)
    vmsa = bytearray(PAGE)
    vmsa[0x3B0:0x3B8] = struct.pack("<Q", 1)                # SEV_FEATURES: SNP active
    raw(0x304, struct.pack("<QIIH2x", 0xFFFFF000, 1, 0, 0), bytes(vmsa), 12)

    region = sum(8 + ((len(b) + 7) & ~7) for _, b, _, _ in headers)
    vh_offset = 24
    data_at = vh_offset + region
    var = bytearray()
    tail = bytearray()
    for typ, body, data, off in headers:
        if data is not None:
            body[off:off + 4] = struct.pack("<I", data_at + len(tail))
            tail += data
        var += struct.pack("<II", typ, len(body)) + body + bytes(((len(body) + 7) & ~7) - len(body))
    total = vh_offset + region + len(tail)
    fixed = bytearray(struct.pack("<IIIIII", 0x4D564749, 1, vh_offset, region, total, 0))
    crc = zlib.crc32(bytes(var), zlib.crc32(bytes(fixed)))
    fixed[20:24] = struct.pack("<I", crc)
    with open(out, "wb") as f:
        f.write(fixed + var + tail)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make-igvm.py OUT.igvm")
    main(sys.argv[1])
