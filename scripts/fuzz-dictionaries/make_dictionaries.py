"""Writes the libFuzzer dictionaries scripts/fuzz passes to each target (-dict=): the tokens of each format
(pickle opcodes and every allow-listed global, zip signatures and torch entry names, .npy header keys,
safetensors JSON keys, MXNet magics and type flags, Caffe2 protobuf field tags), so mutations build
structures rather than random bytes.

    python3 scripts/fuzz-dictionaries/make_dictionaries.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def esc(b):
    return '"' + ''.join(chr(c) if 32 <= c < 127 and c not in (34, 92) else '\\x%02x' % c for c in b) + '"'


def write(name, tokens, header):
    with open(os.path.join(HERE, name + '.dict'), 'w') as f:
        f.write('# ' + header + '\n')
        seen = set()
        for t in tokens:
            if isinstance(t, str):
                t = t.encode()
            if t in seen:
                continue
            seen.add(t)
            f.write(esc(t) + '\n')


def varint_tag(number, wire_type):
    value, out = number << 3 | wire_type, b""
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def main():
    ops = b"(.0121FIJKLMNPQRSTUVXabcdeghijlopqrstu}])" + bytes(range(0x80, 0x99))
    allowed = [("collections", "OrderedDict"), ("_codecs", "encode"), ("builtins", "set"), ("builtins", "frozenset"),
               ("builtins", "bytearray"), ("builtins", "tuple"), ("copyreg", "_reconstructor"),
               ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor_v3"),
               ("torch._utils", "_rebuild_parameter"), ("torch._tensor", "_rebuild_from_type_v2"),
               ("torch", "FloatStorage"), ("torch", "HalfStorage"), ("torch", "LongStorage"),
               ("torch", "UntypedStorage"), ("torch", "float32"), ("torch", "Size"),
               ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy.core.multiarray", "scalar"), ("numpy.core.numeric", "_frombuffer"), ("numpy", "ndarray"),
               ("numpy", "dtype"), ("__torch__.m", "M"), ("os", "system"), ("builtins", "eval")]
    pickle = [bytes([o]) for o in ops]
    pickle += [b"\x80\x02", b"\x80\x04\x95", b"\x80\x05", b"q\x00", b"h\x00", b"r\x00\x00\x00\x00",
               b"j\x00\x00\x00\x00", b"K\x00", b"M\xff\xff", b"J\xff\xff\xff\xff", b"\x8a\x08", b"X\x00\x00\x00\x00",
               b"B\x00\x00\x10\x00", b"\x8e\x00\x00\x00\x00\x00\x00\x00\x00", b"\x95\x00\x00\x00\x00\x00\x00\x00\x00"]
    for module, name in allowed:
        pickle.append(b"c" + module.encode() + b"\n" + name.encode() + b"\n")
        pickle.append(b"\x8c" + bytes([len(module)]) + module.encode() + b"\x8c" + bytes([len(name)]) + name.encode()
                      + b"\x93")
    for text in ["storage", "cpu", "latin1", "model", "state_dict", "blobs", "weight", "f4", "<", ">", "|", "_metadata"]:
        pickle.append(b"X" + len(text).to_bytes(4, "little") + text.encode())
        pickle.append(b"U" + bytes([len(text)]) + text.encode())
    write("pickle", pickle, "pickle opcodes, length-prefixed forms and every allow-listed global (and two refused ones)")

    zips = [b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07", b"PK\x07\x08", b"\x14\x00",
            b"\x2d\x00", b"\x08\x08", b"\x00\x00", b"\x08\x00", b"\xff\xff\xff\xff", b"archive/data.pkl",
            b"archive/data/0", b"archive/byteorder", b"archive/version", b"archive/.data/version",
            b"archive/constants.pkl", b"archive/code/", b"little", b"big", b"FB", b".npy", b"\x93NUMPY\x01\x00"]
    write("torch-zip", zips + pickle[:60], "zip record signatures, torch archive entry names, pickle opcodes")

    npy = [b"\x93NUMPY\x01\x00", b"\x93NUMPY\x02\x00", b"\x93NUMPY\x03\x00", b"'descr'", b"'fortran_order'",
           b"'shape'", b"'<f4'", b"'>f8'", b"'|b1'", b"'<c16'", b"'<b2'", b"'|O'", b"True", b"False", b"(", b")",
           b",", b"{", b"}", b": "]
    write("npy", npy, ".npy magic and header dict keys and values")

    safetensors = [b'"__metadata__"', b'"dtype"', b'"shape"', b'"data_offsets"', b'"F32"', b'"F16"', b'"BF16"',
                   b'"I64"', b'"U8"', b'"BOOL"', b'"F8_E4M3"', b'"C64"', b'[', b']', b'{', b'}', b':', b',',
                   b'18446744073709551615', b'-1', b'1e400']
    write("safetensors", safetensors, "safetensors header JSON keys and dtypes")

    mxnet = [(0x112).to_bytes(8, "little"), (0xF993FAC8).to_bytes(4, "little"), (0xF993FAC9).to_bytes(4, "little"),
             (0xF993FACA).to_bytes(4, "little"), (0xFFFFFFFF).to_bytes(4, "little"), (1).to_bytes(4, "little"),
             (2).to_bytes(4, "little"), (6).to_bytes(4, "little"), (12).to_bytes(4, "little"),
             (0).to_bytes(8, "little"), (2**63 - 1).to_bytes(8, "little"), b"arg:", b"aux:", b"_weight", b"_gamma",
             b"_moving_var"]
    write("mxnet", mxnet, "MXNet list and record magics, storage types, type flags, name prefixes")

    caffe2 = [varint_tag(number, wire) for number in range(1, 16) for wire in (0, 1, 2, 5)]
    caffe2 += [b"GivenTensorFill", b"GivenTensorInt64Fill", b"GivenTensorByteStringToUInt8Fill", b"shape", b"values",
               b"\x80\x80\x80\x80\x10", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"]
    write("caffe2", caffe2, "protobuf field tags of the Caffe2 messages and the fill ops WeightKit reads")
    write("detect", pickle[:40] + zips[:6] + npy[:3] + safetensors[:5] + mxnet[:4] + caffe2[:20],
          "a mix of every format")
    write("verify", safetensors + [b'"backbone.bottom_up.stem.conv1.weight"', b'"backbone.bottom_up.res2.0.conv1.weight"',
                                   b'"backbone.bottom_up.stem.stem_1/conv.weight"', b'"backbone.fpn_lateral2.weight"',
                                   b'"backbone.top_block.p6.weight"', b'"weightkit.names"', b'"canonical"',
                                   b'"weightkit.norm_eps"', b'"nan"', b'"weightkit.stride_in"', b'"3x3"',
                                   b'"head.fc.weight"'],
          "safetensors keys and canonical tensor names the reference network looks for")


if __name__ == "__main__":
    main()
