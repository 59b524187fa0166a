"""What a file or document left out of the analysis may hold, seen in its text alone.

A skipped piece that names a NetworkPolicy (of any group), a workload or a Namespace in a
`kind:` line (or a JSON "kind" member) is a blind spot that changes results elsewhere: NP092
says so as a warning. Anything else left out is NP091, info.
"""
from __future__ import annotations

import re
from typing import BinaryIO, Optional

# model.objects.WORKLOAD_KINDS, Namespace and every policy kind (tests/test_inputs.py keeps the
# workload kinds in step with the model's)
WORKLOADS = ("CronJob", "DaemonSet", "Deployment", "Job", "Pod", "ReplicaSet", "ReplicationController",
             "StatefulSet")
_KINDS = "|".join(WORKLOADS) + r"|Namespace|\w*NetworkPolicy"
_KIND = re.compile(r"""(?:^|[\s{,])["']?kind["']?[ \t]*:[ \t]*["']?(%s)(?=["'\s,}]|$)""" % _KINDS, re.MULTILINE)
_KIND_BYTES = re.compile(_KIND.pattern.encode(), re.MULTILINE)

_BLOCK = 1 << 20
_OVERLAP = 256  # a `kind:` line cut by a block boundary is seen whole in the next block


def relevant_kind(text: str) -> Optional[str]:
    """The first NetworkPolicy, workload or Namespace kind named in the text, or None."""
    match = _KIND.search(text)
    return match.group(1) if match else None


SNIFF_LIMIT = 256 << 20  # bytes of a file too large to read that are looked through


def relevant_kind_in_stream(handle: BinaryIO, limit: int = SNIFF_LIMIT) -> Optional[str]:
    """relevant_kind() over a file read a block at a time (a file too large to be read whole),
    up to `limit` bytes."""
    tail = b""
    read = 0
    while read < limit:
        block = handle.read(_BLOCK)
        if not block:
            return None
        read += len(block)
        match = _KIND_BYTES.search(tail + block)
        if match:
            return match.group(1).decode("ascii", "replace")
        tail = block[-_OVERLAP:]
    return None
