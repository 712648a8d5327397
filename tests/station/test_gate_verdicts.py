"""The gate's verdicts on a fixed set of simulated prints do not change silently.

The expected values were recorded from the gate before it was made faster (``docs/capture.md``,
"Gate time"): every print's quality score and pass/fail, the same-finger alarms among the flat
prints (similarity of the later print against the earlier one, as the station compares them when
they are saved) and the alarms of rolled prints that are not the finger of their flat print. A
change of the quality or minutiae code that moves any of them must update this table on purpose.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import pytest

from station.capture import biogate, fpmatch, fpsynth, gate
from station.capture.fingerprint import WSQ_MEDIA_TYPE, encode_wsq
from station.capture.gate import GateSettings


def _seed(i: int) -> int:
    return fpsynth.person_finger_seed(7, i)


#: slot -> (finger seed, impression, condition, level).
FLAT = {
    "right_thumb": (_seed(0), 0, "clear", 0.5),
    "right_index": (_seed(1), 0, "clear", 0.5),
    "right_middle": (_seed(1), 1, "clear", 0.5),  # the right index again
    "right_ring": (_seed(3), 0, "partial", 0.8),
    "right_little": (_seed(4), 0, "smudged", 0.9),
    "left_thumb": (_seed(5), 0, "dry", 0.6),
    "left_index": (_seed(6), 0, "no_finger", 0.5),
}
ROLLED = {
    "right_thumb": (_seed(0), 2, "clear", 0.5),  # its own finger
    "right_ring": (_seed(3), 2, "clear", 0.5),  # its flat print is under the threshold
    "right_index": (_seed(8), 2, "clear", 0.5),  # a finger not in the dossier
    "right_little": (_seed(0), 3, "clear", 0.5),  # the right thumb rolled in its place
    "left_thumb": (_seed(5), 2, "partial", 0.8),  # a poor rolled print
}

FLAT_QUALITY = {
    "right_thumb": 79,
    "right_index": 83,
    "right_middle": 84,
    "right_ring": 15,
    "right_little": 65,
    "left_thumb": 43,
    "left_index": 0,
}
ROLLED_QUALITY = {
    "right_thumb": 80,
    "right_ring": 83,
    "right_index": 82,
    "right_little": 84,
    "left_thumb": 8,
}
#: Flat pairs with a similarity above 0 (every other pair scores 0).
FLAT_SIMILARITY = {
    "right_thumb+right_index": 0.0191,
    "right_thumb+right_middle": 0.0104,
    "right_thumb+left_thumb": 0.0163,
    "right_index+right_middle": 0.6262,
    "right_index+left_thumb": 0.0118,
    "right_middle+left_thumb": 0.0213,
}
#: Each rolled print against the flat print of its finger.
OWN_SIMILARITY = {
    "right_thumb": 0.3519,
    "right_ring": 0.0,
    "right_index": 0.0088,
    "right_little": 0.0,
    "left_thumb": 0.0,
}
ROLLED_ALARMS: dict[str, dict[str, Any] | None] = {
    "right_thumb": None,
    "right_ring": None,
    "right_index": {
        "fingers": ["right_index"],
        "similarity": 0.0088,
        "looks_like": None,
        "looks_like_similarity": None,
    },
    "right_little": {
        "fingers": ["right_little", "right_thumb"],
        "similarity": 0.0,
        "looks_like": "right_thumb",
        "looks_like_similarity": 0.377,
    },
    "left_thumb": None,
}


def _wsq(spec: tuple[int, int, str, float]) -> bytes:
    seed, impression, condition, level = spec
    image = fpsynth.impression(seed, impression_index=impression, condition=condition, level=level)
    return encode_wsq(image)


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    gate.clear_memo()
    settings = GateSettings()
    flats: dict[str, tuple[str, fpmatch.Template]] = {}
    out: dict[str, Any] = {"flat": {}, "rolled": {}, "similarity": {}, "own": {}, "alarms": {}}
    for slot, spec in FLAT.items():
        data = _wsq(spec)
        verdict = gate.judge_part("fingerprint", slot, WSQ_MEDIA_TYPE, data, settings)
        assert verdict["decodes"], slot
        out["flat"][slot] = verdict["quality"]
        sha = hashlib.sha256(data).hexdigest()
        t = gate.template(sha, data)
        assert t is not None
        flats[slot] = (sha, t)
    for (a, (sa, ta)), (b, (sb, tb)) in itertools.combinations(flats.items(), 2):
        out["similarity"][f"{a}+{b}"] = round(gate.similarity(sb, tb, sa, ta), 4)
    for slot, spec in ROLLED.items():
        data = _wsq(spec)
        verdict = gate.judge_part("rolled_print", slot, WSQ_MEDIA_TYPE, data, settings)
        assert verdict["decodes"] and verdict["impression"] == "rolled", slot
        out["rolled"][slot] = verdict["quality"]
        sha = hashlib.sha256(data).hexdigest()
        t = gate.template(sha, data)
        assert t is not None
        out["own"][slot] = round(gate.similarity(sha, t, *flats[slot]), 4)
        # As the station decides (``biocapturing.recheck_rolled``): a rolled print under its
        # threshold raises nothing; a flat print under its threshold need not match.
        if verdict["quality"] < settings.rolled_min_quality:
            out["alarms"][slot] = None
            continue
        usable = {
            s: f for s, f in flats.items() if s != slot or out["flat"][s] >= settings.threshold(s)
        }
        alarm = biogate.rolled_alarm(slot, (sha, t), usable, settings.match_threshold, "now")
        out["alarms"][slot] = (
            None
            if alarm is None
            else {
                k: alarm[k]
                for k in ("fingers", "similarity", "looks_like", "looks_like_similarity")
            }
        )
    return out


def test_print_quality_and_pass_fail_are_as_recorded(measured: dict[str, Any]) -> None:
    settings = GateSettings()
    assert measured["flat"] == FLAT_QUALITY
    assert measured["rolled"] == ROLLED_QUALITY
    passed = {s: q >= settings.threshold(s) for s, q in measured["flat"].items()}
    assert [s for s, ok in passed.items() if not ok] == ["right_ring", "left_thumb", "left_index"]
    rolled_failed = [s for s, q in measured["rolled"].items() if q < settings.rolled_min_quality]
    assert rolled_failed == ["left_thumb"]


def test_same_finger_alarms_are_as_recorded(measured: dict[str, Any]) -> None:
    scores = {k: v for k, v in measured["similarity"].items() if v > 0}
    assert scores == FLAT_SIMILARITY
    threshold = GateSettings().match_threshold
    alarms = [k for k, v in measured["similarity"].items() if v >= threshold]
    assert alarms == ["right_index+right_middle"]


def test_rolled_print_alarms_are_as_recorded(measured: dict[str, Any]) -> None:
    assert measured["own"] == OWN_SIMILARITY
    assert measured["alarms"] == ROLLED_ALARMS
