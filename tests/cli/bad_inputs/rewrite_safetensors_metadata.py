"""Sets one __metadata__ entry of a safetensors file in place (a bad-input fixture).

usage: rewrite_safetensors_metadata.py FILE KEY VALUE
"""
import json
import struct
import sys

path, key, value = sys.argv[1:4]
with open(path, "rb") as f:
    data = f.read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8 : 8 + n])
header.setdefault("__metadata__", {})[key] = value
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)  # the tensor data stays 8-byte aligned
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data[8 + n :])
